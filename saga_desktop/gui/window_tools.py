"""The window's tools beside the run: the saga editor, the isolation lab, the Metrics tab.

Each is a module of its own, imported the first time it is asked for, so the
window's start pays for none of them. This object keeps them for the window
and stops what owns a thread when the window goes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot

from saga_desktop.gui._qt import LazyTab, bring_to_front, named

if TYPE_CHECKING:
    from saga_desktop.gui.lab import LabPanel
    from saga_desktop.gui.main_window import MainWindow
    from saga_desktop.gui.metrics_tab import MetricsTab
    from saga_desktop.gui.saga_editor import SagaEditorDialog

__all__ = ["WindowTools"]


class WindowTools(QObject):
    """File > New saga..., View > Isolation lab and the Metrics tab of one window.

    Parameters
    ----------
    window
        The window they belong to.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.editor: SagaEditorDialog | None = None
        self.lab: LabPanel | None = None
        #: The Metrics tab's page (its charts are built when first shown).
        self.metrics_page = named(LazyTab(self._build_metrics_tab), "metricsLazyTab")
        self._scale = 1.0

    # -- the saga editor ----------------------------------------------------------

    def open_editor(self, start: Path | None = None) -> SagaEditorDialog:
        """Show the saga editor (one per window), starting from ``start`` if given."""
        from saga_desktop.gui.saga_editor import SagaEditorDialog

        if self.editor is None or start is not None:
            folder = self._window.saga.source if self._window.saga else None
            save_dir = Path(folder).parent if folder else Path.home()
            self.editor = SagaEditorDialog(self._window, start=start, save_dir=save_dir)
            self.editor.saga_saved.connect(self._on_editor_saga_saved)
        bring_to_front(self.editor)
        return self.editor

    @Slot(Path)
    def _on_editor_saga_saved(self, path: Path) -> None:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self.editor or self._window,
            "Saga saved",
            f"Saved {path.name}. Open it in the window now?",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Open,
        )
        if answer == QMessageBox.StandardButton.Open:
            self._window.open_saga_file(path)

    # -- the isolation lab ------------------------------------------------------------

    def open_lab(self) -> LabPanel:
        """Show the isolation lab, a window of its own (made once)."""
        if self.lab is None:
            from saga_desktop.gui.lab import LabPanel

            self.lab = LabPanel()
            self.lab.resize(1280, 800)
        bring_to_front(self.lab)
        return self.lab

    # -- the Metrics tab ------------------------------------------------------------------

    def _build_metrics_tab(self) -> MetricsTab:
        from saga_desktop.gui.metrics_tab import MetricsTab

        tab = MetricsTab(self._window.metrics)
        tab.set_presenter_scale(self._scale)
        return tab

    def set_presenter_scale(self, scale: float) -> None:
        """Presenter mode's scale, for the Metrics tab's charts."""
        self._scale = scale
        if self.metrics_page.built:
            content = self.metrics_page.content()
            if hasattr(content, "set_presenter_scale"):
                content.set_presenter_scale(scale)

    # -- closing ------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop the lab's thread and close the tools' windows (idempotent)."""
        if self.lab is not None:
            self.lab.shutdown()
            self.lab.close()
        if self.editor is not None:
            self.editor.hide()
