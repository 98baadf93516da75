"""File > New saga...: the editor dialog that writes a saga file.

The saga's fields, its request, its services and its steps are edited in place;
every edit is checked at once by the saga file's own checker (a fraction of a
millisecond for the trip booking, so it runs on the GUI thread), each problem is
shown beside the field or cell it came from, and the pipeline preview follows.
Save writes the file with ``spec_to_toml`` (JSON for a ``.json`` name) and reads
it back; a saga with problems is not saved, and the dialog says why. A saga from
the gallery or any saga file can be the starting point.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from saga_desktop._resources import resource_path
from saga_desktop.booking import (
    InvalidSagaFile,
    SagaSpec,
    load_saga,
    spec_from_data,
    spec_to_data,
    spec_to_toml,
    write_text_atomic,
)
from saga_desktop.gui import theme
from saga_desktop.gui._qt import named
from saga_desktop.gui.saga_editor._draft import (
    REQUEST_COLUMNS,
    SERVICE_COLUMNS,
    STEP_COLUMNS,
    Draft,
    Issue,
    draft_from_data,
    draft_problems,
    draft_to_data,
    empty_step,
)
from saga_desktop.gui.saga_editor._preview import PipelinePreview, preview_cards
from saga_desktop.gui.saga_editor._rows import RowsModel
from saga_desktop.gui.saga_editor._sections import SagaFields, StepDetails, TableSection

__all__ = ["SagaEditorDialog", "gallery_sagas"]

_FILTERS = "Saga files (*.saga.toml *.toml);;JSON saga files (*.json)"
_START_PLACEHOLDER = "Start from…"
_EMPTY = "An empty saga"
_OPEN = "A saga file…"


def gallery_sagas() -> list[tuple[str, Path]]:
    """The gallery's sagas the editor can start from: (title, file), by file name.

    A saga of a built-in world (the flight booking) is left out: its steps are
    the world's own and cannot be edited.
    """
    found = []
    for path in sorted(resource_path("sagas").glob("*.saga.toml")):
        try:
            spec = load_saga(path)
        except InvalidSagaFile:
            continue  # a broken gallery file is the test suite's business, not the menu's
        if spec.world is None:
            found.append((spec.title, path))
    return found


class SagaEditorDialog(QDialog):
    """The saga editor: tables of a saga's services and steps, checked as you type.

    Parameters
    ----------
    parent
        The window it belongs to.
    start
        A saga file to start from (a gallery file is copied: Save asks where to).
    save_dir
        Where Save as... proposes to save (the home folder if None).
    """

    #: A saga file was written (the path, after it was read back without a problem).
    saga_saved = Signal(Path)

    def __init__(
        self,
        parent: QWidget | None = None,
        start: Path | str | None = None,
        save_dir: Path | str | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "sagaEditor", "Saga editor")
        self.resize(1240, 780)
        self.setSizeGripEnabled(True)
        #: The file Save writes to (None: Save asks, as Save as does).
        self.path: Path | None = None
        #: Every problem of the saga as it is now (empty: it can be saved).
        self.issues: list[Issue] = []
        #: How long the last check of the whole saga took, in milliseconds.
        self.last_check_ms = 0.0
        self._save_dir = Path(save_dir) if save_dir is not None else Path.home()
        self._baseline = Draft()
        self._loading = False
        self._build()
        self._load(Draft(), None)
        if start is not None:
            self.open_file(Path(start))

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.fields = SagaFields()
        self.request_model = RowsModel(REQUEST_COLUMNS, parent=self)
        self.request = TableSection(
            "Request fields",
            "request",
            self.request_model,
            self._new_field,
            ("traveller_1", "traveller_1"),
        )
        self.services_model = RowsModel(SERVICE_COLUMNS, parent=self)
        self.services = TableSection(
            "Services",
            "services",
            self.services_model,
            self._new_service,
            ("itineraries", "Itineraries service", "accounts", ""),
        )
        self.steps_model = RowsModel(
            STEP_COLUMNS, movable=True, choices={"service": self._service_names}, parent=self
        )
        self.steps = TableSection(
            "Steps",
            "steps",
            self.steps_model,
            self._new_step,
            (
                "EMAIL_TRAVELLER",
                "Book the flight",
                "itineraries",
                "credit",
                "berlin_mitte",
                "{price}",
                "compensatable",
                "3",
                "2.0",
            ),
        )
        self.details = StepDetails()
        self.steps.add_below(self.details)
        self.preview = PipelinePreview()
        for signal in (
            self.fields.edited,
            self.request_model.rows_changed,
            self.services_model.rows_changed,
            self.steps_model.rows_changed,
        ):
            signal.connect(self._on_draft_changed)
        self.steps.view.selectionModel().currentRowChanged.connect(self._on_steps_current_changed)
        self.details.edited.connect(self._on_details_edited)
        layout = QVBoxLayout(self)
        layout.addLayout(self._top_bar())
        layout.addWidget(self._body(), 1)
        layout.addLayout(self._bottom_bar())
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)

    def _top_bar(self) -> QHBoxLayout:
        self.start_combo = named(QComboBox(), "startFromCombo", "Start from")
        self.start_combo.addItem(_START_PLACEHOLDER)
        self.start_combo.addItem(_EMPTY)
        for title, path in gallery_sagas():
            self.start_combo.addItem(f"Gallery: {title}", str(path))
        self.start_combo.addItem(_OPEN)
        self.start_combo.activated.connect(self._on_start_combo_activated)
        bar = QHBoxLayout()
        bar.addWidget(self.start_combo)
        hint = QLabel("Each change is checked at once; problems show beside their field.")
        bar.addWidget(hint, 1)
        return bar

    def _body(self) -> QSplitter:
        top = QWidget()
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.fields, 3)
        row.addWidget(self.request, 2)
        left = QSplitter(Qt.Orientation.Vertical)
        for part, stretch in ((top, 0), (self.services, 1), (self.steps, 2)):
            left.addWidget(part)
            left.setStretchFactor(left.count() - 1, stretch)
        left.setChildrenCollapsible(False)
        # The saga's fields as tall as they need, the steps twice the services' room.
        first = self.fields.sizeHint().height()
        rest = max(self.height() - first - 120, 300)
        left.setSizes([first, rest // 3, rest - rest // 3])
        preview_box = QGroupBox("Pipeline preview")
        box = QVBoxLayout(preview_box)
        box.addWidget(self.preview)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(preview_box)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        body.setChildrenCollapsible(False)
        return body

    def _bottom_bar(self) -> QHBoxLayout:
        self.status = named(QLabel(), "saveStatus", "Saga status")
        self.status.setWordWrap(True)
        self.save_button = named(QPushButton("Save"), "saveSagaButton", "Save")
        self.save_as_button = named(QPushButton("Save as…"), "saveSagaAsButton", "Save as")
        close = named(QPushButton("Close"), "closeEditorButton", "Close")
        self.save_button.clicked.connect(self.save)
        self.save_as_button.clicked.connect(self.save_as)
        close.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        for button in (self.save_button, self.save_as_button, close):
            # Return ends an edit; saving or closing is never a side effect of it.
            button.setAutoDefault(False)
            bar.addWidget(button)
        return bar

    # -- new rows --------------------------------------------------------------------------------

    def _service_names(self) -> list[str]:
        return [row["name"].strip() for row in self.services_model.rows if row["name"].strip()]

    def _new_field(self) -> dict[str, str]:
        return {"field": "", "value": ""}

    def _new_service(self) -> dict[str, str]:
        return {"name": "", "title": "", "keeps": "stock", "entries": ""}

    def _new_step(self) -> dict[str, str]:
        names = self._service_names()
        return empty_step(names[-1] if names else "")

    # -- the draft -----------------------------------------------------------------------------

    def draft(self) -> Draft:
        """What the editor holds now."""
        return Draft(
            saga=self.fields.values(),
            request=[dict(row) for row in self.request_model.rows],
            services=[dict(row) for row in self.services_model.rows],
            steps=[dict(row) for row in self.steps_model.rows],
        )

    @property
    def is_dirty(self) -> bool:
        """True when the saga differs from the one last loaded or saved."""
        return self.draft() != self._baseline

    def _load(self, draft: Draft, path: Path | None) -> None:
        self._loading = True
        try:
            self.fields.set_values(draft.saga)
            self.request_model.set_rows(draft.request)
            self.services_model.set_rows(draft.services)
            self.steps_model.set_rows(draft.steps)
        finally:
            self._loading = False
        self.path = path
        self._baseline = self.draft()
        self.steps.select_row(0)
        self._on_steps_current_changed()
        self.revalidate()
        self.preview.flush()  # a saga just opened is shown whole at once

    @Slot()
    def _on_draft_changed(self) -> None:
        if not self._loading:
            self.revalidate()

    def revalidate(self) -> None:
        """Check the saga as it is now and show every problem beside its field."""
        started = time.perf_counter()
        draft = self.draft()
        self.issues = draft_problems(draft)
        self.last_check_ms = (time.perf_counter() - started) * 1000
        by_section: dict[str, list[Issue]] = {}
        for issue in self.issues:
            by_section.setdefault(issue.where.section, []).append(issue)
        self.fields.show_problems(by_section.get("saga", []))
        self.request.show_problems(by_section.get("request", []), REQUEST_COLUMNS)
        self.services.show_problems(by_section.get("services", []), SERVICE_COLUMNS)
        self.steps.show_problems(by_section.get("steps", []), STEP_COLUMNS)
        self._show_details_problems()
        self.preview.show_cards(preview_cards(draft, self.issues))
        self._show_status()

    def _show_status(self) -> None:
        count = len(self.issues)
        steps = len(self.steps_model.rows)
        if count:
            text = f"✖ {count} problem{'s' if count > 1 else ''}: not saved until fixed"
            accent = "vermillion"
        else:
            text = f"✔ Ready to save: {steps} step{'s' if steps != 1 else ''}"
            accent = "green"
        self.status.setText(text)
        palette = self.status.palette()
        palette.setColor(QPalette.ColorRole.WindowText, theme.text_colour(accent, palette))
        self.status.setPalette(palette)
        where = self.path.name if self.path is not None else "new saga"
        self.setWindowTitle(f"Saga editor — {where}[*]")
        self.setWindowModified(self.is_dirty)

    def _show_details_problems(self) -> None:
        row = self.steps.current_row()
        mine = [i for i in self.issues if i.where.section == "steps" and i.where.row == row]
        self.details.show_problems(mine)

    @Slot()
    def _on_steps_current_changed(self) -> None:
        row = self.steps.current_row()
        self.details.show_row(self.steps_model.rows[row] if row >= 0 else None)
        self._show_details_problems()

    @Slot(str, str)
    def _on_details_edited(self, key: str, text: str) -> None:
        row = self.steps.current_row()
        if row >= 0:
            self.steps_model.set_value(row, key, text)

    # -- opening -------------------------------------------------------------------------------

    @Slot(int)
    def _on_start_combo_activated(self, index: int) -> None:
        text, path = self.start_combo.itemText(index), self.start_combo.itemData(index)
        self.start_combo.setCurrentIndex(0)
        if index == 0 or not self._may_discard():
            return
        if text == _EMPTY:
            self._load(Draft(), None)
        elif text == _OPEN:
            chosen, _ = QFileDialog.getOpenFileName(
                self, "Start from a saga file", str(self._save_dir), _FILTERS
            )
            if chosen:
                self.open_file(Path(chosen))
        elif isinstance(path, str):
            self.open_file(Path(path))

    def open_file(self, path: Path) -> bool:
        """Show the saga of ``path``; a file that cannot be used is refused in a dialog."""
        try:
            spec = load_saga(path)
        except InvalidSagaFile as exc:
            QMessageBox.warning(self, "Cannot open the saga", str(exc))
            return False
        if spec.world is not None:
            QMessageBox.warning(
                self,
                "Cannot edit this saga",
                f"{path.name} runs in the app's built-in {spec.world} world, whose steps are "
                "its own: start from another saga.",
            )
            return False
        gallery = path.resolve().parent == resource_path("sagas").resolve()
        # A gallery saga is a starting point: Save must not write over the gallery.
        self._load(draft_from_data(spec_to_data(spec)), None if gallery else path)
        return True

    # -- saving ----------------------------------------------------------------------------------

    def spec(self) -> SagaSpec | None:
        """The saga as a spec, or None while it has a problem."""
        if self.issues:
            return None
        data, _ = draft_to_data(self.draft())
        try:
            return spec_from_data(data, source=str(self.path) if self.path else None)
        except InvalidSagaFile:
            return None  # the checks above said nothing: never seen, but never saved either

    @Slot()
    def save(self) -> bool:
        """Write the saga to its file (asking where when it has none); False: not saved."""
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    @Slot()
    def save_as(self) -> bool:
        """Ask where, then write the saga there; False: not saved."""
        if not self._may_save():
            return False
        name = self.fields.values().get("name", "").strip() or "my_saga"
        folder = self.path.parent if self.path is not None else self._save_dir
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the saga", str(folder / f"{name}.saga.toml"), _FILTERS
        )
        if not chosen:
            return False
        path = Path(chosen)
        if path.suffix.lower() not in (".toml", ".json"):
            path = path.with_name(path.name + ".saga.toml")
        return self._write(path)

    def _may_save(self) -> bool:
        if not self.issues:
            return True
        count = len(self.issues)
        QMessageBox.warning(
            self,
            "Cannot save the saga",
            f"The saga has {count} problem{'s' if count > 1 else ''}; a saga file with "
            f"problems would be refused when it is opened. Fix "
            f"{'them' if count > 1 else 'it'} first.\n\nThe first: {self.issues[0].text}",
        )
        return False

    def _write(self, path: Path) -> bool:
        if not self._may_save():
            return False
        spec = self.spec()
        if spec is None:
            return False
        if path.suffix.lower() == ".json":
            text = json.dumps(spec_to_data(spec), indent=2, ensure_ascii=False) + "\n"
        else:
            text = spec_to_toml(spec)
        try:
            write_text_atomic(path, text)
            load_saga(path)  # what was written opens again: the proof it is a saga file
        except OSError as exc:
            QMessageBox.warning(self, "Cannot save the saga", f"{path}: {exc.strerror or exc}")
            return False
        except InvalidSagaFile as exc:
            QMessageBox.warning(self, "Cannot save the saga", str(exc))
            return False
        self.path = path
        self._baseline = self.draft()
        self._show_status()
        self.saga_saved.emit(path)
        return True

    def changeEvent(self, event: QEvent) -> None:
        # The status line's colour comes from the palette: a theme switch repaints it.
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "status"):
            self._show_status()
        super().changeEvent(event)

    # -- closing ---------------------------------------------------------------------------------

    def _may_discard(self) -> bool:
        """True when nothing unsaved would be lost (the person saved or let it go)."""
        if not self.is_dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved saga",
            "The saga has changes that are not saved. Save them?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return self.save()
        return bool(answer == buttons.Discard)

    def reject(self) -> None:
        """Close (Esc, Close, the title bar's x), after asking about unsaved changes."""
        if self._may_discard():
            super().reject()
