"""The saga editor (File > New saga...): a saga file written in tables, checked as you type.

``SagaEditorDialog(parent, start=None, save_dir=None)`` is the whole of it; it emits
``saga_saved(Path)`` for each file it writes. :func:`gallery_sagas` lists the
gallery's sagas it can start from.
"""

from __future__ import annotations

from saga_desktop.gui.saga_editor._dialog import SagaEditorDialog, gallery_sagas

__all__ = ["SagaEditorDialog", "gallery_sagas"]
