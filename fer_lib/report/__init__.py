"""What the pages show: figures, tables, page helpers and the scorecard."""
