"""PyInstaller's own hook for ``PySide6.QtGui``, less the GTK platform theme.

The bundle never ships ``libqgtk3`` (``saga-desktop.spec`` explains why), but a
filter in the spec comes too late: the analysis has already looked for GTK's
libraries and, on a machine without GTK, warned about each one it could not find.
Leaving the plug-in out here keeps it out of the analysis, so there is nothing to
warn about. Hooks given in the spec's ``hookspath`` replace the built-in ones.
"""

import os

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [entry for entry in binaries if not os.path.basename(entry[0]).startswith("libqgtk3")]
