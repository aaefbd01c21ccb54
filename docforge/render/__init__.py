"""Rendering: DOCX from templates, PDF through LibreOffice."""
