"""The README's user sections promise copy-paste commands that work (issue 8): every `sh` block of
"I pull an audit snapshot", "I assess SLA credits" and "I connect a BI tool" runs here, as
written, against a small demo home (`.slm` and `.venv/bin/` pointed at this test's)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTIONS = ("## I pull an audit snapshot", "## I assess SLA credits", "## I connect a BI tool")


def sh_blocks(section: str) -> list[str]:
    text = README.read_text()
    body = text[text.index(section):]
    body = body[:body.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", body, re.S)


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    home = root / ".slm"
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "demo", "--days", "4", "--home", str(home)],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "SLM_HOME": str(home)})
    assert done.returncode == 0, done.stderr[-2000:]
    return root


@pytest.mark.parametrize("section", SECTIONS)
def test_the_sections_commands_run_as_written(demo_home, section):
    blocks = sh_blocks(section)
    assert blocks, f"{section} has no sh block"
    bin_dir = str(Path(sys.executable).parent) + "/"
    for block in blocks:
        # optional arguments shown in brackets are left out, as a reader would at first
        script = re.sub(r" \[[^\]]*\]", "", block).replace(".venv/bin/", bin_dir)
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=demo_home, capture_output=True,
                              text=True, timeout=600, env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
        assert done.returncode == 0, f"{section}:\n{script}\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
