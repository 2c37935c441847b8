"""The workflows: an offline PR job without secrets, a policy-checked preview per stack via pulumi/actions in that
stack's environment (prod's behind required reviewers), every action pinned by commit SHA, provider plugins cached;
actionlint finds nothing in them."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from itertools import product
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings import environment_of
from scripts import driver
from tests.conftest import ROOT, recorded_stack

WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "pr.yml"
PLUGINS = WORKFLOWS / "plugins.yml"
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
# The environment each stack's secrets live in, and the ones the header tells the admin to protect with required
# reviewers. A job that reads a secret outside these environments would read a repository-level secret, which any
# same-repo branch can reach by editing the workflow.
ENVIRONMENTS = {"dev", "prod"}
PROTECTED = {"prod"}
# The first CLI that accepts Pulumi.yaml's `type: object` config declaration (pulumi/pulumi#20129).
MINIMUM_CLI = (3, 186, 0)
# `uses: owner/repo[/path]@<40 hex> # vX.Y.Z`: a commit cannot be moved, a tag can; the comment names the release.
PINNED = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w.-]+(?:/[\w./-]+)?)@([0-9a-f]{40})\s+#\s+(v\d+\.\d+\.\d+)\s*$")


def load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return load(WORKFLOW)


@pytest.fixture(scope="module")
def workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path) for path in sorted(WORKFLOWS.glob("*.y*ml"))}


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [s for s in job["steps"] if s.get("uses", "").startswith(f"{action}@")]
    return step


def runs(job: dict[str, Any]) -> list[str]:
    return [s["run"] for s in job["steps"] if "run" in s]


def uses(document: dict[str, Any]) -> list[str]:
    """Every `uses:` of the workflow: steps' actions and jobs' reusable workflows."""
    found = []
    for job in document["jobs"].values():
        found += [job["uses"]] if "uses" in job else []
        found += [step["uses"] for step in job.get("steps", []) if "uses" in step]
    return found


def matrix_cases(job: dict[str, Any]) -> list[dict[str, str]]:
    """The job's matrix combinations as `${{ matrix.<key> }}` → value (one empty case without a matrix)."""
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    include = matrix.pop("include", [])
    assert "exclude" not in matrix and all(isinstance(value, list) for value in matrix.values())
    keys = sorted(matrix)
    cases = [dict(zip(keys, values, strict=True)) for values in product(*(matrix[key] for key in keys))]
    cases = [case for case in cases if case] + include  # `include` alone: exactly its entries
    return [{f"${{{{ matrix.{key} }}}}": str(value) for key, value in case.items()} for case in cases or [{}]]


def resolve(value: Any, case: dict[str, str]) -> str:
    text = str(value)
    for expression, replacement in case.items():
        text = text.replace(expression, replacement)
    return text


def cli_version(step: dict[str, Any]) -> tuple[int, ...]:
    return tuple(int(part) for part in str(step["with"]["pulumi-version"]).split("."))


def sdk_version() -> str:
    (line,) = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if line.startswith("pulumi==")]
    return line.split("==")[1]


def test_pr_workflow_has_two_jobs_on_pull_requests_read_only_by_default(workflow: dict[str, Any]) -> None:
    assert set(workflow["on"]) == {"pull_request"}
    assert set(workflow["jobs"]) == {"offline", "preview"}
    assert workflow["permissions"] == {"contents": "read"}


def test_offline_job_runs_ci_and_the_policy_check_for_each_stack_without_secrets(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["offline"]
    assert job["runs-on"] == "ubuntu-latest"
    assert step_using(job, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert runs(job) == [
        "bash .ci/run",
        "venv/bin/python -m scripts.deploy plan --stack dev --policy",
        "venv/bin/python -m scripts.deploy plan --stack prod --policy",
    ]
    text = yaml.safe_dump(job)
    assert "secrets." not in text and "vars." not in text
    assert "permissions" not in job and "environment" not in job and "needs" not in job


def test_preview_job_per_stack_with_the_policy_pack(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["preview"]
    assert job["needs"] == "offline"
    assert STACKS == ["dev", "prod"]
    assert [{k: c[k] for k in ("stack", "environment")} for c in job["strategy"]["matrix"]["include"]] == [
        {"stack": s, "environment": environment_of(s)} for s in STACKS
    ]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write", "id-token": "write"}
    assert job["env"] == {
        "PULUMI_BACKEND_URL": "${{ secrets.PULUMI_BACKEND_URL }}",
        "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        # the Cloudflare provider fails to configure without a token (pulumi/pulumi-cloudflare#513)
        "CLOUDFLARE_API_TOKEN": "${{ secrets.CLOUDFLARE_API_TOKEN }}",
    }
    python = step_using(job, "actions/setup-python")["with"]
    assert set(python["cache-dependency-path"].split()) == {"requirements*.txt", "policies/requirements.txt"}
    pulumi = step_using(job, "pulumi/actions")
    assert {k: pulumi["with"][k] for k in ("command", "stack-name", "work-dir", "comment-on-pr")} == {
        "command": "preview",
        "stack-name": "${{ matrix.stack }}",
        "work-dir": ".",
        "comment-on-pr": True,
    }
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.environment }}.json"
    venvs = "\n".join(runs(job))
    assert "python -m venv venv" in venvs and "python -m venv policies/venv" in venvs  # where the CLI looks


def test_prod_previews_on_the_in_network_runner_the_prod_plan_builds(workflow: dict[str, Any]) -> None:
    """The prod preview diffs in-cluster objects behind private APIs: only the runner inside the network reaches them
    (issue 14); dev's public, allow-listed APIs take a hosted runner."""
    job = workflow["jobs"]["preview"]
    (project,) = [r for r in recorded_stack("prod").resources if r.name.endswith("-preview-runner-project")]
    labels = {}
    for case in matrix_cases(job):
        runner = case["${{ matrix.runner }}"]
        hosted = job["runs-on"].split("&&")[1].split("||")[0].strip()  # what 'hosted' maps to
        labels[case["${{ matrix.stack }}"]] = hosted if runner == "hosted" else f"codebuild-{runner}-<run>-<attempt>"
    assert labels == {"dev": "'ubuntu-latest'", "prod": f"codebuild-{project.inputs['name']}-<run>-<attempt>"}
    assert "format('codebuild-{0}-{1}-{2}', matrix.runner, github.run_id, github.run_attempt)" in job["runs-on"]


def test_deploys_run_dev_then_prod_on_the_in_network_runner_as_the_deployers(workflows) -> None:
    """issue 14: prod's up runs where its private APIs are reachable, dev's first, and only the driver deploys."""
    job = workflows["deploy.yml"]["jobs"]["up"]
    assert set(workflows["deploy.yml"]["on"]) == {"workflow_dispatch"}
    assert job["strategy"]["max-parallel"] == 1 and job["strategy"]["fail-fast"] is True
    cases = job["strategy"]["matrix"]["include"]
    assert [c["stack"] for c in cases] == ["dev", "prod"]  # dev first
    (project,) = [r for r in recorded_stack("prod").resources if r.name.endswith("-use1-runner-project")]
    assert {c["stack"]: c["runner"] for c in cases} == {"dev": "hosted", "prod": project.inputs["name"]}
    assert job["runs-on"] == workflows["pr.yml"]["jobs"]["preview"]["runs-on"]  # the same runner expression
    assert workflows["deploy.yml"]["name"] == "deploy" and workflows["pr.yml"]["name"] == "pr"  # the webhooks' filters
    assert all(c["environment"] == environment_of(c["stack"]) for c in cases)
    assert job["concurrency"]["cancel-in-progress"] is False  # an update is never cancelled half-way
    assert runs(job)[-1].splitlines()[-1] == 'venv/bin/python -m scripts.deploy up --stack "$STACK"'
    aws = step_using(job, "aws-actions/configure-aws-credentials")
    assert "if" not in aws  # every stack assumes the deployer in its environment: the runner's own role can't deploy
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


@pytest.mark.parametrize(("path", "job_id"), [("pr.yml", "preview"), ("deploy.yml", "up")])
def test_the_kubeconfigs_exec_plugins_are_installed_before_any_pulumi_run(workflows, path: str, job_id: str) -> None:
    """The AKS and GKE kubeconfigs call kubelogin and gke-gcloud-auth-plugin (components/azure/aks_cluster.py,
    components/gcp/gke_cluster.py): a job without them fails at the first Kubernetes call."""
    steps = workflows[path]["jobs"][job_id]["steps"]
    names = [s.get("name", s.get("uses", "")) for s in steps]
    (plugins,) = [i for i, n in enumerate(names) if n.startswith("Kubernetes exec plugins")]
    script = steps[plugins]["run"]
    assert "--kubelogin-install-location" in script and "google-cloud-cli-gke-gcloud-auth-plugin" in script
    azure_login = next(i for i, s in enumerate(steps) if s.get("uses", "").startswith("azure/login@"))
    pulumi = next(
        i
        for i, s in enumerate(steps)
        if "scripts.deploy" in s.get("run", "") or "command" in s.get("with", {})  # preview action or the driver
    )
    assert plugins < azure_login < pulumi  # azure/login needs the Azure CLI the step installs


def test_clouds_are_reached_through_oidc_only(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["preview"]
    aws = step_using(job, "aws-actions/configure-aws-credentials")["with"]
    assert aws["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert step_using(job, "azure/login")["with"]["client-id"] == "${{ vars.AZURE_CLIENT_ID }}"
    assert "workload_identity_provider" in step_using(job, "google-github-actions/auth")["with"]
    for path in WORKFLOWS.glob("*.y*ml"):
        text = path.read_text()
        for forbidden in ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "client-secret", "credentials_json"):
            assert forbidden not in text, path.name  # no long-lived cloud keys


@pytest.mark.parametrize("path", [WORKFLOW, WORKFLOWS / "deploy.yml"], ids=lambda p: p.name)
def test_every_secret_and_variable_is_documented_in_the_header(path: Path) -> None:
    text = path.read_text()
    header = text.split("\nname:", 1)[0]
    used = {word.split("}")[0].strip() for word in text.split("${{")[1:]}
    names = {
        token.rstrip(",)")
        for expr in used
        for token in expr.replace("||", " ").replace("!=", " ").split()
        if token.startswith(("secrets.", "vars."))
    }
    assert names, "the workflow reads no secrets or variables?"
    for name in sorted(names):
        assert name.split(".", 1)[1] in header, f"{name} is not described in the header comment"


def test_the_header_tells_the_admin_how_to_protect_prod() -> None:
    header = " ".join(WORKFLOW.read_text().split("\nname:", 1)[0].replace("#", " ").split())
    for environment in sorted(ENVIRONMENTS):
        assert f"Environment `{environment}`" in header
    for rule in ("Required reviewers", "Prevent self-review", "No repository- or organization-level secrets"):
        assert rule in header
    assert "repo:<org>/<repo>:environment:<dev|prod>" in header  # the OIDC subject the cloud roles must pin


# --- secrets: only inside the stack's environment, prod's only inside the protected one --------------------------


def secret_problems(workflows: dict[str, dict[str, Any]]) -> list[str]:
    """Where a secret or a cloud identity could be read outside the stack's environment."""
    problems = []
    for name, document in workflows.items():
        top = {key: value for key, value in document.items() if key != "jobs"}
        if "secrets." in yaml.safe_dump(top):
            problems.append(f"{name}: a workflow-level secret reaches every job")
        for job_id, job in document["jobs"].items():
            text = yaml.safe_dump(job)
            if "secrets." not in text and "vars." not in text:
                continue
            if "environment" not in job:
                problems.append(f"{name}:{job_id} reads repository-level secrets (any branch can)")
                continue
            for case in matrix_cases(job):
                if (environment := resolve(job["environment"], case)) not in ENVIRONMENTS:
                    problems.append(f"{name}:{job_id} reads secrets in an unknown environment {environment!r}")
    return problems


def preview_problems(workflows: dict[str, dict[str, Any]]) -> tuple[list[str], set[str]]:
    """Where a stack is previewed outside its own environment (prod: the protected one); and the stacks previewed."""
    problems, previewed = [], set()
    for name, document in workflows.items():
        for job_id, job in document["jobs"].items():
            for step in job.get("steps", []):
                if not step.get("uses", "").startswith("pulumi/actions@") or "command" not in step["with"]:
                    continue
                for case in matrix_cases(job):
                    stack = resolve(step["with"]["stack-name"], case)
                    environment = resolve(job.get("environment", ""), case)
                    previewed.add(stack)
                    bound = environment_of(stack)  # the settings' binding, the one the driver follows
                    if environment != bound or (environment in PROTECTED) != (bound == "prod"):
                        problems.append(f"{name}:{job_id} runs {stack} in environment {environment!r}")
                    config = driver.policy_config(ROOT, stack).relative_to(ROOT).as_posix()
                    if resolve(step["with"]["policyPackConfigs"], case) != config or not (ROOT / config).is_file():
                        problems.append(f"{name}:{job_id} runs {stack} with another policy config than {config}")
    return problems, previewed


def test_secrets_and_cloud_identities_are_read_only_inside_the_stacks_environment(workflows) -> None:
    assert secret_problems(workflows) == []


def test_each_stack_is_previewed_in_its_own_environment_prod_only_in_the_protected_one(workflows) -> None:
    problems, previewed = preview_problems(workflows)
    assert problems == [] and previewed == set(STACKS)


def _with_preview(workflows: dict[str, dict[str, Any]], **changes: Any) -> dict[str, dict[str, Any]]:
    changed = copy.deepcopy(workflows)
    job = changed["pr.yml"]["jobs"]["preview"]
    for key, value in changes.items():
        if value is None:
            job.pop(key)
        else:
            job[key] = value
    return changed


def test_the_checks_refuse_prod_outside_its_environment_and_secrets_without_one(workflows) -> None:
    no_environment = _with_preview(workflows, environment=None)
    assert secret_problems(no_environment) == ["pr.yml:preview reads repository-level secrets (any branch can)"]
    all_in_dev = _with_preview(workflows, environment="dev")
    assert preview_problems(all_in_dev)[0] == ["pr.yml:preview runs prod in environment 'dev'"]
    leaky = copy.deepcopy(workflows)
    leaky["pr.yml"]["jobs"]["offline"]["env"] = {"PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"}
    assert secret_problems(leaky) == ["pr.yml:offline reads repository-level secrets (any branch can)"]
    leaky = copy.deepcopy(workflows)
    leaky["plugins.yml"]["env"] = {"TOKEN": "${{ secrets.CLOUDFLARE_API_TOKEN }}"}
    assert secret_problems(leaky) == ["plugins.yml: a workflow-level secret reaches every job"]


# --- pins: every action by commit SHA with its release; the CLI at the SDK's version -------------------------------


@pytest.mark.parametrize("name", ["pr.yml", "plugins.yml"])
def test_every_action_is_pinned_by_commit_sha_with_its_release_in_a_comment(
    workflows: dict[str, dict[str, Any]], name: str
) -> None:
    lines = [line for line in (WORKFLOWS / name).read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert len(lines) == len(uses(workflows[name])) > 0  # no `uses` the line scan missed (flow style)
    unpinned = [line.strip() for line in lines if not PINNED.match(line)]
    assert unpinned == []


def test_the_pin_check_refuses_a_tag_a_short_sha_and_a_missing_comment() -> None:
    sha = "3d3c42e5aac5ba805825da76410c181273ba90b1"
    assert PINNED.match(f"      - uses: actions/checkout@{sha} # v7.0.1")
    for line in (
        "      - uses: actions/checkout@v7",
        f"      - uses: actions/checkout@{sha[:12]} # v7.0.1",
        f"      - uses: actions/checkout@{sha}",
        f"      - uses: actions/checkout@{sha} # v7",
        f"        uses: actions/checkout@{sha.upper()} # v7.0.1",
    ):
        assert not PINNED.match(line), line


def test_an_action_is_pinned_to_one_commit_and_release_everywhere() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for path in WORKFLOWS.glob("*.y*ml"):
        for line in path.read_text().splitlines():
            if match := PINNED.match(line):
                pins.setdefault(match[1].lower(), set()).add((match[2], match[3]))
    assert len(pins) == 7
    assert {action: len(commits) for action, commits in pins.items()} == dict.fromkeys(pins, 1)


def test_every_pulumi_cli_is_the_sdks_version_and_at_least_the_minimum(workflows: dict[str, dict[str, Any]]) -> None:
    steps = [
        step
        for document in workflows.values()
        for job in document["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("pulumi/actions@")
    ]
    assert len(steps) == 3  # the preview, the plugin cache and the deploy's CLI
    for step in steps:
        assert str(step["with"]["pulumi-version"]) == sdk_version()  # an exact version: the action enforces it
        assert cli_version(step) >= MINIMUM_CLI


# --- provider plugins: cached on requirements.txt, filled on the default branch ------------------------------------


def plugin_cache(job: dict[str, Any]) -> dict[str, Any]:
    return step_using(job, "actions/cache")["with"]


def test_the_preview_restores_the_provider_plugins_before_running_pulumi(workflow: dict[str, Any]) -> None:
    job = workflow["jobs"]["preview"]
    cache = plugin_cache(job)
    assert cache["path"] == "~/.pulumi/plugins"  # where the CLI installs plugins (PULUMI_HOME unset)
    assert cache["key"] == "pulumi-plugins-${{ runner.os }}-${{ hashFiles('requirements.txt') }}"
    order = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert order.index("actions/cache") < order.index("pulumi/actions")


def test_the_default_branch_fills_the_same_plugin_cache(workflow: dict[str, Any], workflows: dict[str, Any]) -> None:
    plugins = workflows["plugins.yml"]
    assert plugins["on"]["push"]["branches"] == ["main"]
    assert "requirements.txt" in plugins["on"]["push"]["paths"]
    assert plugins["permissions"] == {"contents": "read"}
    (job,) = plugins["jobs"].values()
    assert plugin_cache(job) == plugin_cache(workflow["jobs"]["preview"])
    assert runs(job) == ["pulumi install"]
    assert "command" not in step_using(job, "pulumi/actions")["with"]  # install-only mode


# --- actionlint (rhysd/actionlint v1.7.7, its WebAssembly build from npm; `make tools` installs it) ----------------

ACTIONLINT = ROOT / "tools" / "actionlint"


def actionlint(*paths: Path) -> list[dict[str, Any]]:
    """actionlint's findings on the workflow files (a missing tool fails: `make tools` installs it)."""
    node = shutil.which("node")
    if node is None or not (ACTIONLINT / "node_modules" / "@tktco" / "node-actionlint").is_dir():
        pytest.fail("actionlint is not installed; `make tools` (or `make test`) installs it")
    result = subprocess.run(
        [node, str(ACTIONLINT / "lint.js"), *map(str, paths)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """actionlint's findings per file, in one run (starting its WebAssembly runtime costs seconds): every workflow,
    and a copy of pr.yml broken twice (a job it needs misspelt, an undefined matrix key) to prove it live."""
    broken = tmp_path_factory.mktemp("actionlint") / "broken-pr.yml"
    text = WORKFLOW.read_text()
    broken.write_text(
        text.replace("needs: offline", "needs: offlin").replace(
            "matrix.environment }}.json", "matrix.environmnt }}.json"
        )
    )
    paths = [*sorted(WORKFLOWS.glob("*.y*ml")), broken]
    found: dict[str, list[dict[str, Any]]] = {path.name: [] for path in paths}
    for finding in actionlint(*paths):
        found[Path(finding["file"]).name].append(finding)
    return found


def test_actionlint_finds_nothing_in_the_workflows(linted: dict[str, list[dict[str, Any]]]) -> None:
    assert {name: found for name, found in linted.items() if name != "broken-pr.yml"} == {
        "deploy.yml": [],
        "plugins.yml": [],
        "pr.yml": [],
    }


def test_actionlint_is_live_on_a_broken_copy(linted: dict[str, list[dict[str, Any]]]) -> None:
    assert {finding["kind"] for finding in linted["broken-pr.yml"]} >= {"job-needs", "expression"}


# --- shellcheck on every `run:` script (what the actionlint binary does; its WebAssembly build cannot start it) ----

EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def run_scripts() -> list[tuple[str, str]]:
    """(where, script) for every `run:` step, each `${{ … }}` replaced as actionlint does (the runner substitutes
    it before the shell starts)."""
    found = []
    for path in sorted(WORKFLOWS.glob("*.y*ml")):
        for job_id, job in load(path)["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    found.append((f"{path.name}:{job_id}:{index}", EXPRESSION.sub("_", step["run"])))
    return found


def shellcheck(script: str) -> list[dict[str, Any]]:
    """shellcheck's findings on a script run by the runner's default `bash -e {0}` (a missing tool fails)."""
    tool = shutil.which("shellcheck")
    if tool is None:
        pytest.fail("shellcheck is not installed; `make tools` installs it (Debian's shellcheck)")
    result = subprocess.run(
        [tool, "--shell=bash", "--format=json", "-"], input=script, capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]  # 1: findings
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    return findings


def test_shellcheck_finds_nothing_in_the_run_steps() -> None:
    scripts = run_scripts()
    assert len(scripts) >= 5
    problems = {where: shellcheck(script) for where, script in scripts}
    assert {where: found for where, found in problems.items() if found} == {}


def test_shellcheck_is_live() -> None:
    codes = {finding["code"] for finding in shellcheck("python -m venv $VENV_DIR\ncd policies\n")}
    assert 2086 in codes  # the unquoted variable


def test_dependabot_keeps_the_action_pins_current() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert config["version"] == 2
    (actions,) = [u for u in config["updates"] if u["package-ecosystem"] == "github-actions"]
    assert actions["directory"] == "/" and actions["schedule"]["interval"] in {"daily", "weekly"}


# --- inputs: actionlint knows popular actions' inputs by tag only, so a SHA pin is checked against its own metadata --

ACTION_INPUTS: dict[str, Any] = json.loads((ROOT / "tests" / "action_inputs.json").read_text())


def test_every_step_passes_only_inputs_its_pinned_action_defines(workflows: dict[str, dict[str, Any]]) -> None:
    seen = set()
    for name, document in workflows.items():
        for job_id, job in document["jobs"].items():
            for step in job.get("steps", []):
                if "uses" not in step:
                    continue
                meta = ACTION_INPUTS[step["uses"]]  # every pin is in the table, read at that commit
                given = set(step.get("with", {}))
                assert given <= set(meta["inputs"]), f"{name}:{job_id} {step['uses']}: {given - set(meta['inputs'])}"
                assert set(meta["required"]) <= given, f"{name}:{job_id} {step['uses']} lacks {meta['required']}"
                # Node.js 20 reached its end of life on 2026-04-30 (https://github.com/nodejs/release#release-schedule)
                assert meta["runs"] == "node24"
                seen.add(step["uses"])
    assert seen == set(ACTION_INPUTS) - {"_about"}  # no stale entry


def test_each_pins_comment_names_the_release_its_commit_is() -> None:
    for path in WORKFLOWS.glob("*.y*ml"):
        for line in path.read_text().splitlines():
            if match := PINNED.match(line):
                assert ACTION_INPUTS[f"{match[1]}@{match[2]}"]["release"] == match[3], line.strip()
