"""Application services: the workspace, its catalog, batch jobs and data subjects.

The CLI is a thin shell over this package; this package drives the engine
adapter (``duckshred.udf``) and the dbt project.
"""
