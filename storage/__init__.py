"""The PostgreSQL record: database (embedded or DATABASE_URL), schema, migrations, recorder."""
