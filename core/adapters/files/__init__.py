"""Where the files of the material live: a folder beside the workbook, or Google Drive.

Both implement :class:`core.domain.ports.FileStore`; ``wiring.open_file_store`` chooses.
"""
