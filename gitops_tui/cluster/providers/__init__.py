"""Where the cluster comes from: embedded, kind, or an existing kubeconfig context.

Every provider answers the same questions (:class:`~gitops_tui.cluster.providers.base.Provider`),
so ``up``, ``down`` and the app never branch on which one runs; after ``start()`` the agent
reaches each through the same kubeconfig and :mod:`gitops_tui.cluster.client`.
:func:`~gitops_tui.cluster.providers.auto.resolve_provider` turns ``--cluster`` into one.
"""
