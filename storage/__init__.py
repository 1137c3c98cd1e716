"""Storage: SQLAlchemy models, sessions and Alembic migrations. Imports no sibling package."""
