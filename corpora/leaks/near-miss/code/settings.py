import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {'default': {'PASSWORD': os.getenv('DB_PASSWORD', '')}}
STRIPE_KEY = os.environ.get("STRIPE_SECRET_KEY")
