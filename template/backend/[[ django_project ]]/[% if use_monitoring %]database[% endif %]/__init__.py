"""The PostgreSQL database backend: django-prometheus's, fixed for Django's
connection pool (see base.py). Django loads it from DATABASES' ENGINE."""
