from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# SECURITY WARNING: keep the secret key used in production secret!
SECRET_KEY = '2oj-+^-6$%0+wdk5jtu8@0!nyf0q3wjqm1-la_wu0tf)eo+2ga'

DEBUG = False
ALLOWED_HOSTS = ['landing.wingtip.internal']

DATABASES = {
    'default': {
        'ENGINE': 'django.db.backends.postgresql',
        'NAME': 'inventory',
        'USER': 'django',
        'PASSWORD': '1gAeptpqagCMoFUDi!FZR9',
        'HOST': 'pg-6.wingtip.internal',
        'PORT': '5432',
    }
}
