"""The window: PySide6 lives here and nowhere else."""

__all__: list[str] = []
