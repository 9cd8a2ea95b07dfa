"""Reports only read results: tables, CSV, JSON and the markdown summary."""

from diffcompare.report.files import write
from diffcompare.report.summary import summary

__all__ = ["summary", "write"]
