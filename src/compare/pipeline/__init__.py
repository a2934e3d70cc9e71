"""Pipeline layer: figures, papermill reports, the comparison cache and the incremental build."""
