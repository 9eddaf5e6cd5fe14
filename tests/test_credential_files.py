"""fetch-all's `credential_file`: a key in a file only the job's user can read (Docker/Kubernetes secrets, systemd
`LoadCredential=`), checked with every other config problem and read before anything is sent."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest
from cli_runner import Run
from usage_reports.batch import Config, ConfigError, run
from usage_reports.testing import SANDBOX_STATSIG_CONSOLE_KEY, VendorSimulators

KEY = SANDBOX_STATSIG_CONSOLE_KEY


def key_file(path: Path, content: str = KEY + "\n", mode: int = 0o600) -> Path:
    path.write_text(content)
    path.chmod(mode)
    return path


def config_with(credential_file: str, extra: str = "") -> str:
    return f"""\
[defaults]
period = "2026-10"

[[statsig]]
name = "web"
credential_file = "{credential_file}"
{extra}"""


def test_a_credential_file_holds_the_entrys_key_and_nothing_else_is_needed(
    tmp_path: Path, run: Run, simulators: VendorSimulators
) -> None:
    key_file(tmp_path / "statsig.key")
    (tmp_path / "usage.toml").write_text(config_with(str(tmp_path / "statsig.key")))
    done = run("fetch-all", "usage.toml", "--out-dir", "out", "--json", env={"STATSIG_CONSOLE_API_KEY": None})
    assert done.returncode == 0, done.stderr
    [entry] = json.loads(done.stdout)["entries"]
    assert entry["ok"]
    assert entry["size"] > 0
    [sent] = [r for r in simulators.requests_to("statsig") if r.header("STATSIG-API-KEY")]
    assert sent.header("STATSIG-API-KEY") == KEY
    assert KEY not in (tmp_path / "out" / "manifest.json").read_text()


def test_a_relative_credential_file_is_looked_up_in_systemds_credentials_directory(
    tmp_path: Path, run: Run, simulators: VendorSimulators
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    key_file(credentials / "statsig", mode=0o400)  # as systemd's LoadCredential= leaves it
    (tmp_path / "usage.toml").write_text(config_with("statsig"))
    done = run(
        "fetch-all",
        "usage.toml",
        "--out-dir",
        "out",
        env={"STATSIG_CONSOLE_API_KEY": None, "CREDENTIALS_DIRECTORY": str(credentials)},
    )
    assert done.returncode == 0, done.stderr
    missing = run("fetch-all", "usage.toml", "--out-dir", "out2", env={"CREDENTIALS_DIRECTORY": str(tmp_path / "no")})
    assert missing.returncode == 2
    assert f"statsig[1] (web).credential_file: {tmp_path / 'no' / 'statsig'}: no such file" in missing.stderr
    assert "$CREDENTIALS_DIRECTORY" in missing.stderr


@pytest.mark.parametrize(
    ("content", "mode", "says"),
    [
        (KEY + "\n", 0o644, "readable or writable by group or others (mode 644); chmod 600"),
        (KEY + "\n", 0o620, "readable or writable by group or others (mode 620)"),
        (KEY + "\n", 0o602, "readable or writable by group or others (mode 602)"),
        ("\n  \n", 0o600, "empty"),
        (KEY + "\nsecond-line-secret\n", 0o600, "holds several lines"),
    ],
)
def test_a_credential_file_others_can_read_or_that_is_not_one_line_is_refused_naming_key_and_file_not_content(
    tmp_path: Path, run: Run, simulators: VendorSimulators, content: str, mode: int, says: str
) -> None:
    path = key_file(tmp_path / "statsig.key", content, mode)
    (tmp_path / "usage.toml").write_text(config_with(str(path)))
    done = run("fetch-all", "usage.toml", "--out-dir", "out")
    assert done.returncode == 2
    assert f"usage.toml: statsig[1] (web).credential_file: {path}: {says}" in done.stderr
    assert KEY not in done.stderr + done.stdout
    assert "second-line-secret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not simulators.requests_to("statsig")  # refused before anything was sent


def test_a_credential_file_owned_by_another_user_is_refused(tmp_path: Path) -> None:
    path = key_file(tmp_path / "statsig.key")
    if os.geteuid() != 0:
        pytest.skip("only root can give a file to another user (the next test covers it otherwise)")
    os.chown(path, 65534, -1)  # nobody's, mode 600
    with pytest.raises(ConfigError) as raised:
        Config.from_dict({"statsig": [{"credential_file": str(path)}]}, period="2026-10")
    [problem] = raised.value.problems
    assert problem == (
        f"<dict>: statsig[1].credential_file: {path}: owned by uid 65534, not by the user running this job (uid 0) or root"
    )


def test_the_owner_check_refuses_a_private_file_not_owned_by_the_user_nor_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = key_file(tmp_path / "statsig.key")
    if os.geteuid() == 0:
        os.chown(path, 65534, -1)
    owner = path.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)
    with pytest.raises(ConfigError) as raised:
        Config.from_dict({"statsig": [{"credential_file": str(path)}]}, period="2026-10")
    assert f"{path}: owned by uid {owner}, not by the user running this job (uid {owner + 1}) or root" in str(
        raised.value
    )


def _acl(*entries: tuple[int, int, int]) -> bytes:
    """A system.posix_acl_access value: version 2, then (tag, permissions, id) entries."""
    return (2).to_bytes(4, "little") + b"".join(
        tag.to_bytes(2, "little") + perm.to_bytes(2, "little") + who.to_bytes(4, "little")
        for tag, perm, who in sorted(entries, key=lambda entry: (entry[0], entry[2]))  # the kernel's order
    )


USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
ANYONE = 0xFFFFFFFF


@pytest.mark.parametrize(
    ("granted_to", "accepted"),
    [("the user", True), ("another user", False), ("a group", False)],
)
def test_a_systemd_credential_root_0400_with_an_acl_for_the_user_alone_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, granted_to: str, accepted: bool
) -> None:
    """systemd's LoadCredential= writes root's file, mode 0400, and an ACL for the service's user (mask r: 0440)."""
    path = key_file(tmp_path / "statsig", mode=0o400)
    uid = os.geteuid()
    extra = {
        "the user": (USER, 4, uid),
        "another user": (USER, 4, uid + 1),
        "a group": (GROUP, 4, 12345),
    }[granted_to]
    acl = _acl((USER_OBJ, 4, ANYONE), extra, (GROUP_OBJ, 0, ANYONE), (MASK, 4, ANYONE), (OTHER, 0, ANYONE))
    try:
        os.setxattr(path, "system.posix_acl_access", acl)
    except OSError as exc:
        pytest.skip(f"no POSIX ACLs on this file system ({exc.strerror})")
    assert stat.S_IMODE(path.stat().st_mode) == 0o440  # the group bits are the ACL's mask
    document = {"statsig": [{"credential_file": "statsig"}]}
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    if accepted:
        Config.from_dict(document, period="2026-10")
    else:
        with pytest.raises(ConfigError, match=r"readable or writable by group or others \(mode 440\)"):
            Config.from_dict(document, period="2026-10")


def test_credential_file_problems_are_reported_with_the_other_config_problems_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        Config.from_dict(
            {
                "statsig": [
                    {"name": "a", "credential_file": str(tmp_path / "missing.key")},
                    {"name": "b", "credential_file": "x", "credential_env": "STATSIG_B"},
                    {"name": "c", "period": "2026-13"},
                ],
                "altostrat": [{"api_key": "literal-key", "workspace_id": "ws_1"}],
            },
            period="2026-10",
        )
    text = str(raised.value)
    assert f"statsig[1] (a).credential_file: {tmp_path / 'missing.key'}: no such file" in text
    assert "statsig[2] (b).credential_file: give credential_file or credential_env, not both" in text
    assert "statsig[3] (c).period: " in text
    assert "altostrat[1].api_key: unknown key" in text
    assert "literal-key" not in text


def test_a_credential_file_is_read_when_the_run_plans_before_anything_is_sent(tmp_path: Path) -> None:
    path = key_file(tmp_path / "statsig.key")
    config = Config.from_dict({"statsig": [{"credential_file": str(path)}]}, period="2026-10")
    path.chmod(0o640)  # loosened between the config check and the run
    with VendorSimulators() as sims, pytest.raises(ConfigError) as raised:
        run(config, out_dir=tmp_path / "out", environ={"STATSIG_BASE_URL": sims.statsig_url})
    assert "statsig[1].credential_file: " in str(raised.value)
    assert "mode 640" in str(raised.value)
    assert not sims.requests_to("statsig")


def test_the_example_config_says_keys_never_go_in_the_config_and_shows_credential_file() -> None:
    from usage_reports.batch._config import example_config

    text = example_config()
    assert "Keys never go in this file (there is no api_key key)" in text
    assert "# credential_file = " in text
    tomllib.loads(text)
