from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = 'l4g1uh=e3$ejj2j#iu_98t1nv)-%%mm04v&a8*gr5b3&#q8_%4'

DEBUG = False
ALLOWED_HOSTS = ['ml-serving.northwind.internal']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'auth_service',
        'USER': 'django',
        'PASSWORD': '5cvpvJD7FdgwVs5g1c_aUI',
        'HOST': 'pg-1.adatum.internal',
        'PORT': '5432',
    }
}
