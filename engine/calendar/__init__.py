"""The statutory working-day calendar as data, and deadlines counted in working days."""
