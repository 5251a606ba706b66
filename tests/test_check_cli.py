"""``gitops-tui check`` as CI and pre-commit run it: a real process, its output, its exit code.

The corpus in ``tests/corpus`` holds small repositories, each valid or with one defect; its
``expect.yaml`` records the exit code and every error and warning as ``rule file:line[:col]``.
Every case runs through the real command line, in parallel processes to keep the suite fast.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from git import Repo

from gitops_tui.cluster.embedded.cluster import EmbeddedCluster
from gitops_tui.engine.serving import UP, ServingLock, ServingRecord
from gitops_tui.manifests.catalog import RULES

from .cli_process import gitops, isolated_env

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(path.name for path in CORPUS.iterdir() if (path / "expect.yaml").is_file())
EXAMPLE = Path(__file__).parents[1] / "gitops_tui" / "workspace" / "example"
PARALLEL = 4

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
          resources:
            requests: {cpu: 100m, memory: 64Mi}
"""


@dataclass(frozen=True)
class Run:
    expect: dict[str, Any]
    result: subprocess.CompletedProcess[str]

    @property
    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.result.stdout)
        return document


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("home"))


def check(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = gitops(env, "check", *args, cwd=cwd)
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream
    return result


@pytest.fixture(scope="module")
def corpus_runs(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every corpus case checked from its own copy (so no config above it is found)."""
    scratch = tmp_path_factory.mktemp("corpus")

    def run(name: str) -> Run:
        expect = yaml.safe_load((CORPUS / name / "expect.yaml").read_text())
        repo = Path(shutil.copytree(CORPUS / name / "repo", scratch / name))
        args = [*expect.get("args", []), "--format", "json"]
        return Run(expect, gitops(env, "check", *args, cwd=repo))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


def _place(finding: dict[str, Any], precise: bool) -> str:
    where = f"{finding['file']}:{finding['line']}"
    return (
        f"{finding['rule']} {where}:{finding['column']}"
        if precise
        else f"{finding['rule']} {where}"
    )


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_gives_the_right_rule_line_and_exit_code(
    corpus_runs: dict[str, Run], case: str
) -> None:
    run = corpus_runs[case]
    assert "Traceback" not in run.result.stdout + run.result.stderr
    assert run.result.stderr == ""
    assert run.result.returncode == run.expect["exit"], run.result.stdout
    found = [f for f in run.report["findings"] if f["severity"] != "info"]
    expected = list(run.expect["findings"])
    assert len(found) == len(expected), found
    for finding, want in zip(found, expected, strict=True):
        precise = want.count(":") == 2
        assert _place(finding, precise) == want, finding["message"]


def test_the_corpus_covers_every_offline_rule() -> None:
    rules = {
        line.split()[1]
        for case in CASES
        for line in (CORPUS / case / "expect.yaml").read_text().splitlines()
        if line.startswith("  - ")
    }
    assert set(RULES) - rules == {"server-dry-run"}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "deployment.yaml").write_text(
        DEPLOYMENT.replace("replicas: 2", "replicas: two").replace("nginx:1.27", "nginx")
    )
    return root


def test_text_output_reads_like_a_compiler(env: dict[str, str], repo: Path) -> None:
    result = check(env, repo)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'deployment.yaml:6:3: error schema: spec.replicas must be an integer, not "two"',
        "deployment.yaml:15:11: warning image-tag: container 'web' image 'nginx' has no tag, "
        "so every pull may get a different image; pin a version tag (e.g. nginx:1.27) or a "
        "digest so a rollback redeploys what was tested",
        "1 error(s), 1 warning(s) in 1 resource(s) (Kubernetes 1.37)",
    ]


def test_paths_are_shown_from_the_current_directory(env: dict[str, str], repo: Path) -> None:
    result = check(env, repo.parent, "repo")
    assert result.stdout.startswith("repo/deployment.yaml:6:3: error schema:")


def test_github_format_annotates_the_pull_request(env: dict[str, str], repo: Path) -> None:
    result = check(env, repo, "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=deployment.yaml,line=6,col=3,title=schema::spec.replicas must be an "
        'integer, not "two"'
    )
    assert lines[1].startswith("::warning file=deployment.yaml,line=15,col=11,title=image-tag::")


def test_json_format_is_the_documented_schema(env: dict[str, str], repo: Path) -> None:
    report = json.loads(check(env, repo, "--format", "json").stdout)
    assert report["schema"] == 1
    assert report["kubernetesVersion"] == "1.37"
    assert report["resources"] == 1
    assert report["entries"] == ["."]
    assert report["summary"] == {"errors": 1, "warnings": 1, "infos": 0}
    assert report["findings"][0] == {
        "severity": "error",
        "rule": "schema",
        "message": 'spec.replicas must be an integer, not "two"',
        "file": "deployment.yaml",
        "line": 6,
        "column": 3,
        "resource": {"group": "apps", "kind": "Deployment", "namespace": "", "name": "web"},
    }
    assert (report["changes"], report["server"]) == (None, None)


def test_a_clean_repository_exits_0_and_warnings_do_not_fail(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "d.yaml").write_text(DEPLOYMENT)
    assert check(env, tmp_path).returncode == 0
    (tmp_path / "d.yaml").write_text(DEPLOYMENT.replace("nginx:1.27", "nginx:latest"))
    result = check(env, tmp_path)
    assert result.returncode == 0
    assert "warning image-tag" in result.stdout


def test_the_kube_version_flag_overrides_the_config(env: dict[str, str], tmp_path: Path) -> None:
    hpa = (
        "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: w\n"
        "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
        "  maxReplicas: 3\n"
    )
    (tmp_path / ".gitops-tui.yaml").write_text("kubernetesVersion: '1.25'\n")
    (tmp_path / "hpa.yaml").write_text(hpa)
    assert "warning deprecated-api" in check(env, tmp_path).stdout
    result = check(env, tmp_path, "--kube-version", "v1.37.1")
    assert "error removed-api" in result.stdout
    assert result.returncode == 1


def test_a_folder_of_the_repository_is_checked_with_the_repository_settings(
    env: dict[str, str], tmp_path: Path
) -> None:
    example = Path(shutil.copytree(EXAMPLE, tmp_path / "example"))
    (example / ".gitops-tui.yaml").write_text("path: overlays/dev\ndisabledRules: [image-tag]\n")
    (example / "base" / "frontend-deployment.yaml").write_text(
        (example / "base" / "frontend-deployment.yaml").read_text().replace(":1.27", ":latest")
    )
    base = check(env, example / "base")
    assert base.returncode == 0, base.stdout
    assert "image-tag" not in base.stdout
    assert base.stdout.splitlines()[-1].endswith("in 12 resource(s) (Kubernetes 1.37)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing-dir"], "missing-dir: no such directory"),
        (["deployment.yaml"], "deployment.yaml is a file"),
        (["--kube-version", "1.12"], "Kubernetes version '1.12' is not supported"),
        (["--base", "no-such-rev"], "not inside a Git repository"),
    ],
)
def test_usage_problems_exit_2_with_one_line(
    env: dict[str, str], repo: Path, args: list[str], message: str
) -> None:
    result = check(env, repo, *args)
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("gitops-tui check: ")
    assert message in line


def test_an_unknown_format_is_an_argparse_usage_error(env: dict[str, str], repo: Path) -> None:
    result = check(env, repo, "--format", "xml")
    assert result.returncode == 2
    assert "invalid choice: 'xml'" in result.stderr


def test_huge_files_are_checked_with_exact_lines(env: dict[str, str], tmp_path: Path) -> None:
    documents = 20_000
    configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  v: '{i}'\n"
    text = "---\n".join(configmap.format(i=i) for i in range(documents))
    text += "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Broken_Name\n"
    (tmp_path / "huge.yaml").write_text(text)
    (tmp_path / "one-line.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "wide"}, '
        '"data": {"blob": "' + "x" * 5_000_000 + '"}}'
    )
    result = check(env, tmp_path)
    assert result.returncode == 1
    last_line = documents * 7 + 4
    assert result.stdout.splitlines()[0].startswith(f"huge.yaml:{last_line}:3: error invalid-name")
    assert f"in {documents + 2} resource(s)" in result.stdout


def test_hostile_yaml_is_refused_not_expanded(env: dict[str, str], tmp_path: Path) -> None:
    lines = ["a: &a ['lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol', 'lol']"]
    lines += [
        f"{chr(97 + n)}: &{chr(97 + n)} [{', '.join(['*' + chr(96 + n)] * 9)}]" for n in range(1, 9)
    ]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\n")
    result = check(env, tmp_path)
    assert result.returncode == 1
    assert "bomb.yaml:1:1: error yaml-syntax:" in result.stdout


def _git(root: Path, *args: str) -> None:
    with Repo(root) as repo:
        repo.git.execute(["git", *args])


@pytest.fixture
def history(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Git repository with one commit, made with the isolated user's git settings."""
    for key, value in env.items():
        if key.startswith("GIT_"):
            monkeypatch.setenv(key, value)
    root = tmp_path / "app"
    root.mkdir()
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
        "  annotations: {gitops-tui.dev/disable-rules: plaintext-secret}\n"
        "stringData:\n  password: old-password-1\n"
    )
    service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
        "spec:\n  selector: {app: web}\n  ports:\n    - port: 80\n"
    )
    for name, text in {"web.yaml": DEPLOYMENT, "db.yaml": secret, "svc.yaml": service}.items():
        (root / name).write_text(text)
    Repo.init(root).close()
    _git(root, "add", "--all")
    _git(root, "commit", "-q", "-m", "first")
    return root


def test_base_lists_what_the_change_creates_changes_and_deletes(
    env: dict[str, str], history: Path
) -> None:
    (history / "web.yaml").write_text(
        DEPLOYMENT.replace("replicas: 2", "replicas: 3").replace("nginx:1.27", "nginx:1.28")
    )
    (history / "db.yaml").write_text(
        (history / "db.yaml").read_text().replace("old-password-1", "new-password-2")
    )
    (history / "svc.yaml").unlink()
    (history / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n")

    result = check(env, history, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Changes against HEAD"))
    assert lines[start].endswith("1 to create, 2 to change, 1 to delete")
    assert lines[start + 1 : -1] == [
        "  + create ConfigMap default/new  (cm.yaml:1)",
        "  ~ change Secret default/db  (db.yaml:1)",
        '      ~ .stringData.password: "***" -> "*** (changed)"',
        "  ~ change Deployment.apps default/web  (web.yaml:1)",
        "      ~ .spec.replicas: 2 -> 3",
        '      ~ .spec.template.spec.containers[name=web].image: "nginx:1.27" -> "nginx:1.28"',
        "  - delete Service default/web  (svc.yaml:1)",
    ]
    for value in ("old-password", "new-password", "b2xk", "bmV3"):
        assert value not in result.stdout

    report = json.loads(check(env, history, "--base", "HEAD", "--format", "json").stdout)
    changes = report["changes"]
    assert changes["base"] == "HEAD"
    assert len(changes["commit"]) == 40
    assert [(c["action"], c["resource"]["kind"]) for c in changes["resources"]] == [
        ("create", "ConfigMap"),
        ("change", "Secret"),
        ("change", "Deployment"),
        ("delete", "Service"),
    ]
    assert changes["resources"][2]["diff"][0] == {
        "op": "change",
        "path": ".spec.replicas",
        "base": 2,
        "current": 3,
    }
    assert "password-" not in json.dumps(report)


def test_base_of_a_kustomize_overlay_shows_rendered_changes(
    env: dict[str, str], history: Path
) -> None:
    example = history / "deploy"
    shutil.copytree(EXAMPLE, example)
    _git(history, "add", "--all")
    _git(history, "commit", "-q", "-m", "example")
    overlay = example / "overlays" / "dev" / "kustomization.yaml"
    overlay.write_text(overlay.read_text().replace("count: 1", "count: 2"))
    result = check(env, example, "--base", "HEAD")
    assert result.returncode == 0, result.stdout
    assert "  ~ change Deployment.apps shop/frontend  (base/frontend-deployment.yaml:1)" in (
        result.stdout.splitlines()
    )
    assert "      ~ .spec.replicas: 1 -> 2" in result.stdout.splitlines()
    assert "0 to create, 1 to change, 0 to delete" in result.stdout


def test_overlays_without_a_config_are_each_checked_and_compared(
    env: dict[str, str], history: Path
) -> None:
    for name, text in {
        "k/base/kustomization.yaml": "resources: [web.yaml]\n",
        "k/base/web.yaml": DEPLOYMENT,
        "k/overlays/dev/kustomization.yaml": "namespace: dev\nresources: [../../base]\n",
        "k/overlays/prod/kustomization.yaml": "namespace: prod\nresources: [../../base]\n",
    }.items():
        (history / name).parent.mkdir(parents=True, exist_ok=True)
        (history / name).write_text(text)
    _git(history, "add", "--all")
    _git(history, "commit", "-q", "-m", "overlays")
    web = history / "k" / "base" / "web.yaml"
    web.write_text(DEPLOYMENT.replace("nginx:1.27", "nginx:latest"))

    result = check(env, history / "k", "--base", "HEAD")
    lines = result.stdout.splitlines()
    # The base's defect once, though both overlays render it; the same Deployment in two
    # overlays is two environments, not a duplicate; the namespace each overlay sets is
    # reported on its own `namespace:` line.
    assert [
        line.split(": ")[0] + " " + line.split()[2] for line in lines if ": warning " in line
    ] == [
        "base/web.yaml:15:11 image-tag:",
        "overlays/dev/kustomization.yaml:1:1 unknown-namespace:",
        "overlays/prod/kustomization.yaml:1:1 unknown-namespace:",
    ]
    assert result.returncode == 0
    assert "  ~ change Deployment.apps dev/web in overlays/dev  (base/web.yaml:1)" in lines
    assert "  ~ change Deployment.apps prod/web in overlays/prod  (base/web.yaml:1)" in lines
    assert lines[-1] == "0 error(s), 3 warning(s) in 2 resource(s) (Kubernetes 1.37)"


def test_an_unknown_base_revision_exits_2(env: dict[str, str], history: Path) -> None:
    result = check(env, history, "--base", "nope")
    assert result.returncode == 2
    assert result.stderr.strip() == f"gitops-tui check: no commit named 'nope' in {history}"


def test_server_without_a_running_sandbox_warns_and_carries_on(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "d.yaml").write_text(DEPLOYMENT)
    result = check(env, tmp_path, "--server", "--state-dir", str(tmp_path / "state"))
    assert result.returncode == 0
    assert (
        f"warning: no sandbox cluster is running for {tmp_path} (start one with `gitops-tui "
        "up`): skipped the server-side dry run"
    ) in result.stdout.splitlines()


@pytest.fixture
def running_sandbox(cluster: EmbeddedCluster, tmp_path: Path) -> Iterator[Path]:
    """A state directory whose cluster a `gitops-tui up` serves: the record it publishes."""
    state = tmp_path / "state"
    lock = ServingLock(state)
    assert lock.try_acquire()
    lock.publish(
        ServingRecord(
            pid=1,
            command=UP,
            cluster="embedded",
            description="the test's embedded cluster",
            kubeconfig=str(cluster.kubeconfig_path),
            context=None,
            server=cluster.url,
            ready=True,
        )
    )
    try:
        yield state
    finally:
        lock.release()


def test_server_dry_run_reports_what_only_the_api_server_rejects(
    env: dict[str, str], tmp_path: Path, running_sandbox: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    namespace = "check-dry-run"
    (repo / "ns.yaml").write_text(
        f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n"
    )
    (repo / "ok.yaml").write_text(DEPLOYMENT)
    # Offline schemas know imagePullPolicy is a string; only the API server knows its values.
    (repo / "bad.yaml").write_text(
        DEPLOYMENT.replace("name: web\nspec", "name: pulls\nspec").replace(
            "          image: nginx:1.27\n",
            "          image: nginx:1.27\n          imagePullPolicy: Sometimes\n",
        )
    )
    (repo / "later.yaml").write_text(
        DEPLOYMENT.replace("name: web\nspec", f"name: later\n  namespace: {namespace}\nspec")
    )
    offline = check(env, repo)
    assert offline.returncode == 0, offline.stdout

    result = check(env, repo, "--server", "--state-dir", str(running_sandbox), "--format", "json")
    assert result.returncode == 1, result.stdout
    report = json.loads(result.stdout)
    assert report["server"] == {
        "ran": True,
        "message": "server-side dry run of 4 object(s) on the test's embedded cluster",
    }
    dry = [(f["severity"], f["file"], f["line"]) for f in report["findings"]]
    assert dry == [("error", "bad.yaml", 16), ("info", "later.yaml", 1)]
    assert 'Unsupported value: "Sometimes"' in report["findings"][0]["message"]
    assert (
        f"its namespace '{namespace}' is created by this change"
        in (report["findings"][1]["message"])
    )


def test_the_pre_commit_hook_runs_check_on_the_repository(
    env: dict[str, str], tmp_path: Path
) -> None:
    (hook,) = yaml.safe_load((Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "gitops-tui-check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    program, *args = hook["entry"].split()
    assert program == "gitops-tui"
    (tmp_path / "d.yaml").write_text(DEPLOYMENT)
    assert check(env, tmp_path, *args[1:]).returncode == 0
    (tmp_path / "d.yaml").write_text(DEPLOYMENT.replace("replicas: 2", "replicas: two"))
    assert check(env, tmp_path, *args[1:]).returncode == 1
