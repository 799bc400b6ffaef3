"""The workbook's pages (participants, trainers, observers)."""
