"""The ground floor every package builds on: db helpers, forms, audit, formatting, PDFs, security."""
