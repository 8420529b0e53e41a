"""Every bundled BPMN model opens in the vendored bpmn-js modeler (in Chromium) without errors or warnings."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.workflow.bundle import bundled_model_files

MODELER = Path(__file__).parents[2] / "web" / "static" / "vendor" / "bpmn-js" / "bpmn-modeler.production.min.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
IMPORT = """async (xml) => {
  const modeler = new BpmnJS({container: '#canvas'});
  try {
    const result = await modeler.importXML(xml);
    const registry = modeler.get('elementRegistry');
    return {warnings: result.warnings.map(w => w.message), shapes: registry.getAll().length};
  } catch (err) {
    return {error: String(err), warnings: (err.warnings || []).map(w => w.message)};
  } finally {
    modeler.destroy();
  }
}"""


@pytest.fixture(scope="module")
def page() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=FLAGS)
        page = browser.new_page()
        page.set_content('<!doctype html><meta charset="utf-8"><div id="canvas" style="width:1600px;height:900px">'
                         "</div>")
        page.add_script_tag(path=str(MODELER))
        yield page
        browser.close()


@pytest.mark.parametrize("path", bundled_model_files(), ids=lambda p: p.stem)
def test_model_imports_cleanly(page: Any, path: Path) -> None:
    result = page.evaluate(IMPORT, path.read_text(encoding="utf-8"))
    assert "error" not in result, json.dumps(result, ensure_ascii=False)
    assert result["warnings"] == []
    assert result["shapes"] > 5
