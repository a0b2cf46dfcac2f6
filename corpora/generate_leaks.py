#!/usr/bin/env python3
"""Writes sluice's leak corpus: corpora/leaks/ and corpora/leaks.expected.jsonl.

Deterministic from --seed (Python 3 standard library only). Every value is fake but
format-valid: the vendor's prefix, alphabet and length, GitHub/npm CRC32 checksums, PEM and
OpenSSH key structure with random bodies, JWTs whose header and payload are base64url JSON.
Templates are written here from the public formats (man pages, vendor docs); nothing is copied
from another scanner's tests. See corpora/README.md for the expected-file schema.

    python3 corpora/generate_leaks.py [--seed 17] [--out corpora/leaks] [--expected corpora/leaks.expected.jsonl]

The output folder is wiped and rewritten. This script lives outside it so that it is never scanned.
"""

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import string
import zlib

# Ids of rules sluice has today (`sluice rules list`); any other rule_id in the expected file is
# a proposed id, marked "rule_exists": false. The e2e test checks this set against the binary.
EXISTING_RULES = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "azure_storage_connection_string",
    "azure_storage_sas_token", "azure_service_bus_connection_string", "azure_cosmosdb_connection_string",
    "amqp_url_with_password", "anthropic_api_key", "datadog_api_key", "datadog_application_key",
    "gcp_service_account_private_key", "generic_api_key_assignment", "generic_basic_auth_header",
    "generic_bearer_token_header", "generic_password_assignment", "generic_secret_assignment",
    "generic_url_credentials", "github_classic_pat", "github_fine_grained_pat", "github_oauth_token",
    "github_app_user_token", "github_app_installation_token", "github_refresh_token", "gitlab_pat",
    "gitlab_pipeline_trigger_token", "gitlab_runner_token", "google_api_key", "google_oauth_client_secret",
    "htpasswd_hash", "huggingface_access_token", "jdbc_url_with_password", "jwt", "kubeconfig_client_key_data",
    "mailgun_api_key", "mailgun_private_api_key", "mongodb_url_with_password", "mysql_url_with_password",
    "npm_access_token", "openai_api_key", "openssh_private_key", "postgres_url_with_password",
    "private_key_pem", "putty_private_key", "pypi_upload_token", "redis_url_with_password", "rubygems_api_key",
    "sendgrid_api_key", "shopify_access_token", "shopify_shared_secret", "slack_bot_token", "slack_user_token",
    "slack_app_token", "slack_webhook_url", "slack_config_token", "sqlserver_connection_string_password",
    "square_access_token", "square_legacy_access_token", "square_application_secret", "stripe_live_secret_key",
    "stripe_live_restricted_key",
    "stripe_webhook_secret", "twilio_api_key_sid", "twilio_auth_token", "ldap_bind_password",
    "digitalocean_pat", "linear_api_key", "doppler_service_token", "vault_service_token", "posthog_personal_key",
    "posthog_project_key", "cloudflare_user_api_token", "sentry_user_auth_token", "xai_api_key", "groq_api_key",
    "discord_webhook_url", "telegram_bot_token", "mailchimp_api_key", "newrelic_user_api_key", "algolia_admin_api_key",
    "heroku_api_key", "mapbox_secret_token",
    # credential-file and context rules (issue 17)
    "netrc_password", "curl_user_password", "command_line_password", "docker_config_auth", "terraform_state_secret",
    "terraform_state_sensitive_output", "shadow_password_hash", "pgpass_password", "mysql_config_password",
    "npmrc_auth_token", "npmrc_password", "npmrc_auth", "pypirc_password", "maven_settings_password",
    "composer_auth_password", "rubygems_legacy_api_key", "filezilla_password", "sftp_config_password",
    "winscp_password", "putty_session_password", "jenkins_credentials_secret", "wordpress_auth_salt",
    "wordpress_db_password", "django_secret_key", "rails_secret_key_base", "kubeconfig_password",
    "connection_uri_password", "private_key_pem_base64", "google_oauth_refresh_token",
    # leak corpus misses and issue 16 shapes
    "adafruit_io_key", "ansible_vault_password", "azure_app_configuration_connection_string",
    "azure_signalr_connection_string", "contentful_delivery_token", "duffel_live_token", "fastly_api_token",
    "github_legacy_token", "gitlab_deploy_token", "gitlab_feed_token", "gitlab_legacy_pat",
    "gitlab_oauth_app_secret", "huggingface_org_api_token", "kubernetes_secret_data",
    "launchdarkly_access_token", "mailjet_secret_key", "prefect_api_key", "pusher_app_secret",
    "rails_master_key", "readme_api_key", "slack_legacy_token", "slack_refresh_token",
    "slack_workflow_webhook_url", "tailscale_api_key",
}

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
BCRYPT = "./" + string.ascii_uppercase + string.ascii_lowercase + string.digits
CRYPT = "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase

USERS = ["alice", "bob", "carol", "dmitri", "erin", "farid", "grace", "hiro", "ines", "jonas", "kwame", "lena",
         "mateo", "noor", "oskar", "priya", "quentin", "rosa", "sven", "tariq", "uma", "viktor", "wen", "yusuf"]
PROJECTS = ["webshop", "billing-api", "inventory", "chat-bot", "data-pipeline", "mobile-backend", "crm-sync",
            "reporting", "auth-service", "landing", "etl-jobs", "ml-serving", "ops-tools", "search", "payments"]
ORGS = ["northwind", "tailspin", "fabrikam", "contoso-labs", "adatum", "wingtip", "litware", "proseware"]


class Rand:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def s(self, alphabet, n):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def alnum(self, n):
        return self.s(ALNUM, n)

    def hex(self, n):
        return self.s(HEX, n)

    def upper_alnum(self, n):
        return self.s(string.ascii_uppercase + string.digits, n)

    def bytes(self, n):
        return bytes(self.r.randrange(256) for _ in range(n))

    def b64(self, n):
        return base64.b64encode(self.bytes(n)).decode()

    def uuid(self):
        h = self.hex(32)
        h = h[:12] + "4" + h[13:16] + self.pick("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def int(self, a, b):
        return self.r.randint(a, b)

    def password(self, n=None):
        # Mixed classes with at least one digit and one symbol: what a generated password looks like.
        n = n or self.int(14, 22)
        body = [self.r.choice(ALNUM) for _ in range(n - 2)]
        body.insert(self.r.randrange(len(body)), self.r.choice(string.digits))
        body.insert(self.r.randrange(len(body)), self.r.choice("-_.!*~"))
        return "".join(body)

    def user(self):
        return self.pick(USERS)

    def project(self):
        return self.pick(PROJECTS)

    def org(self):
        return self.pick(ORGS)

    def host(self, kind="db"):
        return f"{kind}-{self.int(1, 9)}.{self.org()}.internal"


# ------------------------------------------------------------------------------------ value makers


def base62(n, width):
    out = ""
    while n:
        n, d = divmod(n, 62)
        out = B62[d] + out
    return out.rjust(width, "0")


def checksummed(rnd, prefix, random_len=30):
    """GitHub-style token: prefix + random base62 + base62(CRC32(random)) on 6 characters."""
    body = rnd.s(ALNUM, random_len)
    return prefix + body + base62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rnd, claims=None):
    header = {"alg": "HS256", "typ": "JWT"}
    payload = claims or {"sub": f"user-{rnd.int(1000, 99999)}", "iss": "leak-corpus.invalid",
                         "iat": 1700000000 + rnd.int(0, 9999999), "role": rnd.pick(["admin", "service", "reader"])}
    return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                     b64url(json.dumps(payload, separators=(",", ":")).encode()), b64url(rnd.bytes(32))])


def der_body(rnd, size):
    # A DER SEQUENCE header with a two-byte length, then random bytes: base64 starts "MII" as real keys do.
    return bytes([0x30, 0x82, (size - 4) >> 8, (size - 4) & 0xFF, 0x02, 0x01, 0x00]) + rnd.bytes(size - 7)


def pem(rnd, label="RSA PRIVATE KEY", size=None, width=64):
    if size is None:
        size = {"RSA PRIVATE KEY": 1190, "PRIVATE KEY": 1218, "EC PRIVATE KEY": 121}.get(label, 600)
    if label == "EC PRIVATE KEY":
        data = bytes([0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20]) + rnd.bytes(size - 7)
    elif label == "OPENSSH PRIVATE KEY":
        data = b"openssh-key-v1\x00" + rnd.bytes(size - 15)
    else:
        data = der_body(rnd, size)
    b = base64.b64encode(data).decode()
    lines = [b[i:i + width] for i in range(0, len(b), width)]
    return f"-----BEGIN {label}-----", lines, f"-----END {label}-----"


def pem_text(rnd, label="RSA PRIVATE KEY", size=None, width=64):
    begin, lines, end = pem(rnd, label, size, width)
    return "\n".join([begin] + lines + [end])


def openssh_key(rnd, size=None):
    return pem_text(rnd, "OPENSSH PRIVATE KEY", size or rnd.pick([400, 504, 1800]), 70)


def aws_key_id(rnd):
    return rnd.pick(["AKIA", "AKIA", "ASIA"]) + rnd.s(string.ascii_uppercase + "234567", 16)


def aws_secret(rnd):
    return rnd.s(ALNUM + "+/", 39) + rnd.alnum(1)


def slack_ids(rnd):
    return rnd.s(string.digits, 11), rnd.s(string.digits, 13)


# vendor key makers: name -> (function(rnd) -> value, rule_id, env var name, kind)
def _vendor_makers():
    m = {}

    def add(name, rule, var, fn):
        m[name] = (fn, rule, var)

    add("github-classic-pat", "github_classic_pat", "GITHUB_TOKEN", lambda r: checksummed(r, "ghp_"))
    add("github-oauth", "github_oauth_token", "GH_OAUTH_TOKEN", lambda r: checksummed(r, "gho_"))
    add("github-app-user", "github_app_user_token", "GITHUB_USER_TOKEN", lambda r: checksummed(r, "ghu_"))
    add("github-app-installation", "github_app_installation_token", "GH_INSTALL_TOKEN",
        lambda r: checksummed(r, "ghs_"))
    add("github-refresh", "github_refresh_token", "GITHUB_REFRESH_TOKEN", lambda r: checksummed(r, "ghr_"))
    add("github-fine-grained", "github_fine_grained_pat", "GH_PAT",
        lambda r: "github_pat_" + r.alnum(22) + "_" + r.alnum(59))
    add("github-legacy-40hex", "github_legacy_token", "GITHUB_API_TOKEN", lambda r: r.hex(40))
    add("gitlab-pat", "gitlab_pat", "GITLAB_TOKEN", lambda r: "glpat-" + r.s(ALNUM + "_", 20))
    add("gitlab-pat-routable", "gitlab_pat", "GITLAB_PRIVATE_TOKEN",
        lambda r: "glpat-" + r.s(B64URL, 27) + "." + r.s(string.digits + string.ascii_lowercase, 2) + "."
        + r.s(string.digits + string.ascii_lowercase, 9))
    add("gitlab-legacy", "gitlab_legacy_pat", "GITLAB_API_TOKEN", lambda r: r.s(ALNUM + "_-", 19) + r.alnum(1))
    add("gitlab-trigger", "gitlab_pipeline_trigger_token", "GITLAB_TRIGGER_TOKEN", lambda r: "glptt-" + r.hex(40))
    add("gitlab-runner", "gitlab_runner_token", "RUNNER_TOKEN", lambda r: "glrt-" + r.s(ALNUM + "_", 20))
    add("gitlab-deploy", "gitlab_deploy_token", "GITLAB_DEPLOY_TOKEN", lambda r: "gldt-" + r.s(ALNUM + "_", 20))
    add("gitlab-feed", "gitlab_feed_token", "GITLAB_FEED_TOKEN", lambda r: "glft-" + r.s(ALNUM + "_", 20))
    add("gitlab-oauth-secret", "gitlab_oauth_app_secret", "GITLAB_APP_SECRET",
        lambda r: "gloas-" + r.hex(64))
    add("slack-bot", "slack_bot_token", "SLACK_BOT_TOKEN",
        lambda r: "xoxb-" + "-".join(slack_ids(r)) + "-" + r.alnum(24))
    add("slack-user", "slack_user_token", "SLACK_USER_TOKEN",
        lambda r: "xoxp-" + "-".join(slack_ids(r)) + "-" + r.s(string.digits, 12) + "-" + r.hex(32))
    add("slack-app", "slack_app_token", "SLACK_APP_TOKEN",
        lambda r: "xapp-1-A" + r.upper_alnum(10) + "-" + r.s(string.digits, 13) + "-" + r.hex(64))
    add("slack-workspace-legacy", "slack_legacy_token", "SLACK_LEGACY_TOKEN",
        lambda r: "xoxa-2-" + "-".join(slack_ids(r)) + "-" + r.s(string.digits, 12) + "-" + r.hex(32))
    add("slack-refresh", "slack_refresh_token", "SLACK_REFRESH_TOKEN",
        lambda r: "xoxr-" + "-".join(slack_ids(r)) + "-" + r.alnum(24))
    add("slack-config", "slack_config_token", "SLACK_CONFIG_TOKEN",
        lambda r: "xoxe.xoxp-1-" + r.alnum(163))
    add("slack-webhook", "slack_webhook_url", "SLACK_WEBHOOK_URL",
        lambda r: "https://hooks.slack.com/services/T" + r.upper_alnum(10) + "/B" + r.upper_alnum(10) + "/"
        + r.alnum(24))
    add("slack-workflow-webhook", "slack_workflow_webhook_url", "SLACK_WORKFLOW_URL",
        lambda r: "https://hooks.slack.com/triggers/T" + r.upper_alnum(10) + "/" + r.s(string.digits, 13) + "/"
        + r.hex(32))
    add("stripe-secret", "stripe_live_secret_key", "STRIPE_SECRET_KEY", lambda r: "sk_live_" + r.alnum(99))
    add("stripe-restricted", "stripe_live_restricted_key", "STRIPE_RESTRICTED_KEY",
        lambda r: "rk_live_" + r.alnum(99))
    add("stripe-webhook", "stripe_webhook_secret", "STRIPE_WEBHOOK_SECRET", lambda r: "whsec_" + r.alnum(32))
    add("openai-project", "openai_api_key", "OPENAI_API_KEY",
        lambda r: "sk-proj-" + r.s(ALNUM + "_-", 74) + "T3BlbkFJ" + r.s(ALNUM + "_-", 73) + r.alnum(1))
    add("anthropic", "anthropic_api_key", "ANTHROPIC_API_KEY",
        lambda r: "sk-ant-api03-" + r.s(ALNUM + "_-", 93) + "AA")
    add("huggingface", "huggingface_access_token", "HF_TOKEN", lambda r: "hf_" + r.s(string.ascii_letters, 34))
    add("huggingface-org", "huggingface_org_api_token", "HUGGINGFACE_ORG_TOKEN",
        lambda r: "api_org_" + r.s(string.ascii_letters, 34))
    add("npm", "npm_access_token", "NPM_TOKEN", lambda r: checksummed(r, "npm_"))
    add("pypi", "pypi_upload_token", "PYPI_API_TOKEN",
        lambda r: "pypi-AgEIcHlwaS5vcmc" + b64url(r.bytes(140)))
    add("shopify-access", "shopify_access_token", "SHOPIFY_ACCESS_TOKEN", lambda r: "shpat_" + r.hex(32))
    add("shopify-shared-secret", "shopify_shared_secret", "SHOPIFY_API_SECRET", lambda r: "shpss_" + r.hex(32))
    add("square-access", "square_access_token", "SQUARE_ACCESS_TOKEN",
        lambda r: "EAAA" + r.s(ALNUM + "_-", 59) + r.alnum(1))
    add("square-legacy-access", "square_legacy_access_token", "SQUARE_TOKEN",
        lambda r: "sq0atp-" + r.s(ALNUM + "_-", 21) + r.alnum(1))
    add("square-app-secret", "square_application_secret", "SQUARE_APP_SECRET",
        lambda r: "sq0csp-" + r.s(ALNUM + "_-", 42) + r.alnum(1))
    add("sendgrid", "sendgrid_api_key", "SENDGRID_API_KEY",
        lambda r: "SG." + r.s(ALNUM + "_-", 22) + "." + r.s(ALNUM + "_-", 42) + r.alnum(1))
    add("mailgun-legacy", "mailgun_api_key", "MAILGUN_API_KEY",
        lambda r: "key-" + r.s(string.digits + string.ascii_lowercase, 32))
    add("mailgun-private", "mailgun_private_api_key", "MAILGUN_PRIVATE_KEY",
        lambda r: r.hex(32) + "-" + r.hex(8) + "-" + r.hex(8))
    add("twilio-api-key-sid", "twilio_api_key_sid", "TWILIO_API_KEY", lambda r: "SK" + r.hex(32))
    add("twilio-auth-token", "twilio_auth_token", "TWILIO_AUTH_TOKEN", lambda r: r.hex(32))
    add("datadog-api", "datadog_api_key", "DD_API_KEY", lambda r: r.hex(32))
    add("datadog-app", "datadog_application_key", "DD_APP_KEY", lambda r: r.hex(40))
    add("google-api", "google_api_key", "GOOGLE_MAPS_API_KEY", lambda r: "AIza" + r.s(ALNUM + "_-", 34) + r.alnum(1))
    add("digitalocean", "digitalocean_pat", "DIGITALOCEAN_TOKEN", lambda r: "dop_v1_" + r.hex(64))
    add("linear", "linear_api_key", "LINEAR_API_KEY", lambda r: "lin_api_" + r.alnum(40))
    add("doppler", "doppler_service_token", "DOPPLER_TOKEN", lambda r: "dp.st.prd." + r.alnum(43))
    add("vault", "vault_service_token", "VAULT_TOKEN", lambda r: "hvs." + r.alnum(24))
    add("posthog-personal", "posthog_personal_key", "POSTHOG_PERSONAL_API_KEY", lambda r: "phx_" + r.alnum(47))
    add("cloudflare", "cloudflare_user_api_token", "CLOUDFLARE_API_TOKEN",
        lambda r: "cfut_" + r.alnum(40) + r.hex(8))
    add("sentry", "sentry_user_auth_token", "SENTRY_AUTH_TOKEN", lambda r: "sntryu_" + r.hex(64))
    add("xai", "xai_api_key", "XAI_API_KEY", lambda r: "xai-" + r.alnum(80))
    add("groq", "groq_api_key", "GROQ_API_KEY", lambda r: "gsk_" + r.alnum(52))
    add("telegram", "telegram_bot_token", "TELEGRAM_BOT_TOKEN",
        lambda r: str(r.int(100000000, 999999999)) + ":AA" + r.s(ALNUM + "_-", 32) + r.alnum(1))
    add("mailchimp", "mailchimp_api_key", "MAILCHIMP_API_KEY", lambda r: r.hex(32) + "-us" + str(r.int(1, 21)))
    add("newrelic-user", "newrelic_user_api_key", "NEW_RELIC_API_KEY", lambda r: "NRAK-" + r.upper_alnum(27))
    # Vendors sluice has no rule for yet (proposed ids).
    add("launchdarkly", "launchdarkly_access_token", "LAUNCHDARKLY_ACCESS_TOKEN", lambda r: "api-" + r.uuid())
    add("adafruit-io", "adafruit_io_key", "ADAFRUIT_IO_KEY", lambda r: "aio_" + r.alnum(28))
    add("prefect", "prefect_api_key", "PREFECT_API_KEY", lambda r: "pnu_" + r.alnum(36))
    add("readme", "readme_api_key", "README_API_KEY",
        lambda r: "rdme_" + r.s(string.ascii_lowercase + string.digits, 70))
    add("tailscale", "tailscale_api_key", "TS_API_KEY",
        lambda r: "tskey-api-" + r.alnum(17) + "-" + r.alnum(33))
    add("duffel", "duffel_live_token", "DUFFEL_ACCESS_TOKEN", lambda r: "duffel_live_" + r.s(ALNUM + "_-", 43))
    add("fastly", "fastly_api_token", "FASTLY_API_TOKEN", lambda r: r.s(ALNUM + "_-", 32))
    add("mapbox-secret", "mapbox_secret_token", "MAPBOX_SECRET_TOKEN",
        lambda r: "sk.eyJ1IjoiY29ycHVzIiwiYSI6I" + r.alnum(20) + "." + r.s(ALNUM + "_-", 21) + r.alnum(1))
    add("pusher-secret", "pusher_app_secret", "PUSHER_APP_SECRET", lambda r: r.hex(20))
    add("mailjet", "mailjet_secret_key", "MAILJET_SECRET_KEY", lambda r: r.hex(32))
    add("algolia-admin", "algolia_admin_api_key", "ALGOLIA_ADMIN_KEY", lambda r: r.hex(32))
    add("heroku", "heroku_api_key", "HEROKU_API_KEY", lambda r: "HRKU-AA" + r.s(ALNUM + "_-", 58))
    add("contentful-delivery", "contentful_delivery_token", "CONTENTFUL_ACCESS_TOKEN", lambda r: r.s(ALNUM + "_-", 43))
    add("azure-app-configuration", "azure_app_configuration_connection_string", "APP_CONFIG_CONNECTION",
        lambda r: f"Endpoint=https://{r.project()}-cfg.azconfig.io;Id={r.alnum(4)}-l0-s0:{r.alnum(20)};"
        f"Secret={r.b64(32)}")
    add("azure-signalr", "azure_signalr_connection_string", "AZURE_SIGNALR_CONNECTIONSTRING",
        lambda r: f"Endpoint=https://{r.project()}.service.signalr.net;AccessKey={r.b64(32)};Version=1.0;")
    add("azure-event-hub", "azure_service_bus_connection_string", "EVENTHUB_CONNECTION_STRING",
        lambda r: f"Endpoint=sb://{r.project()}-ehns.servicebus.windows.net/;"
        "SharedAccessKeyName=RootManageSharedAccessKey;"
        f"SharedAccessKey={r.b64(32)};EntityPath=telemetry")
    add("azure-storage", "azure_storage_connection_string", "AZURE_STORAGE_CONNECTION_STRING",
        lambda r: f"DefaultEndpointsProtocol=https;AccountName={r.project().replace('-', '')}st;AccountKey={r.b64(64)};"
        "EndpointSuffix=core.windows.net")
    add("azure-sas", "azure_storage_sas_token", "AZURE_STORAGE_SAS",
        lambda r: f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2031-01-01T00:00:00Z&st=2024-01-01T00:00:00Z"
        f"&spr=https&sig={r.b64(32).replace('+', '%2B').replace('/', '%2F').replace('=', '%3D')}")
    add("azure-cosmos", "azure_cosmosdb_connection_string", "COSMOS_CONNECTION_STRING",
        lambda r: f"AccountEndpoint=https://{r.project()}-db.documents.azure.com:443/;AccountKey={r.b64(64)};")
    return m


VENDORS = _vendor_makers()

# For connection strings the planted "secret" is the key inside, not the whole string.
SECRET_PART = {
    "azure-app-configuration": lambda v: v.split("Secret=")[1],
    "azure-signalr": lambda v: v.split("AccessKey=")[1].split(";")[0],
    "azure-event-hub": lambda v: v.split("SharedAccessKey=")[1].split(";")[0],
    "azure-storage": lambda v: v.split("AccountKey=")[1].split(";")[0],
    "azure-cosmos": lambda v: v.split("AccountKey=")[1].split(";")[0],
    "azure-sas": lambda v: v.split("sig=")[1],
    "slack-webhook": lambda v: v,
}


# --------------------------------------------------------------------------------------- the corpus


class Corpus:
    def __init__(self, out):
        self.out = out
        self.files = {}
        self.expected = []

    def add(self, path, text, secrets=(), near_miss=False):
        """Writes `text` to `path`; each secret is (value, shape, kind, rule_id) and must occur in it."""
        if near_miss:
            path = "near-miss/" + path
            assert not secrets
        # Another copy of the same path (two machines' home folders): file it under a backup
        # folder so that the file keeps its own name and relative location.
        base, n = path, 2
        while path in self.files:
            path = f"backups/host-{n}/{base}"
            n += 1
        if not text.endswith("\n"):
            text += "\n"
        self.files[path] = text
        searched_from = {}
        for value, shape, kind, rule_id in secrets:
            start = searched_from.get(value, 0)
            offset = text.find(value, start)
            assert offset >= 0, (path, value[:40])
            searched_from[value] = offset + len(value)
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            entry = {"path": path, "line": line, "column": column, "secret": value, "shape": shape, "kind": kind,
                     "rule_id": rule_id}
            if rule_id not in EXISTING_RULES:
                entry["rule_exists"] = False
            self.expected.append(entry)
        return path

    def add_encoded(self, path, data, secrets):
        """Writes `data` (str or bytes) to `path`; each secret is (value, encoded, decoders, shape,
        kind, rule_id): `value` decoded from the span `encoded` (as it stands in the file, str or
        bytes), reached through `decoders`, outermost first. It is expected at the span's start."""
        assert path not in self.files, path
        raw = data if isinstance(data, bytes) else data.encode()
        self.files[path] = data
        for value, encoded, decoders, shape, kind, rule_id in secrets:
            span = encoded if isinstance(encoded, bytes) else encoded.encode()
            offset = raw.find(span)
            assert offset >= 0, (path, value[:40])
            line = raw.count(b"\n", 0, offset) + 1
            column = offset - (raw.rfind(b"\n", 0, offset) + 1) + 1
            entry = {"path": path, "line": line, "column": column, "secret": value, "shape": shape, "kind": kind,
                     "rule_id": rule_id, "decoders": list(decoders),
                     "encoded_prefix": span[:16].decode("latin-1")}
            if rule_id not in EXISTING_RULES:
                entry["rule_exists"] = False
            self.expected.append(entry)
        return path

    def write(self, expected_path):
        os.makedirs(self.out, exist_ok=True)
        for entry in os.listdir(self.out):
            full = os.path.join(self.out, entry)
            shutil.rmtree(full) if os.path.isdir(full) and not os.path.islink(full) else os.remove(full)
        for path, text in sorted(self.files.items()):
            full = os.path.join(self.out, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            if isinstance(text, bytes):
                with open(full, "wb") as f:
                    f.write(text)
                continue
            with open(full, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        self.expected.sort(key=lambda e: (e["path"], e["line"], e["column"]))
        with open(expected_path, "w", encoding="utf-8") as f:
            for e in self.expected:
                f.write(json.dumps(e, sort_keys=False) + "\n")


# ------------------------------------------------------------------------------- credential files


def home(r):
    return f"home/{r.user()}"


def repo(r):
    return f"repos/{r.org()}/{r.project()}"


def cf_netrc(c, r, i):
    name = ".netrc" if i % 2 == 0 else "_netrc"
    where = home(r) if name == ".netrc" else f"Users/{r.user().capitalize()}"
    pw1, pw2 = r.password(), r.password()
    login = r.user()
    if i % 3 == 0:
        text = (f"machine {r.host('git')}\n  login {login}\n  password {pw1}\n\n"
                f"machine ftp.{r.org()}.internal login deploy password {pw2}\n\n"
                f"default login anonymous password guest@\n")
    else:
        text = (f"machine api.{r.org()}.internal login {login} password {pw1}\n"
                f"machine {r.host('ci')}\n    login ci-bot\n    password {pw2}\n")
    shape = "credential-file/netrc"
    c.add(f"{where}/{name}", text, [(pw1, shape, "netrc-password", "netrc_password"),
                                    (pw2, shape, "netrc-password", "netrc_password")])


def cf_git_credentials(c, r, i):
    if i % 2 == 0:
        tok = VENDORS["github-classic-pat"][0](r)
        pw = r.password()
        text = f"https://{r.user()}:{tok}@github.com\nhttps://{r.user()}:{pw}@git.{r.org()}.internal\n"
        secrets = [(tok, "credential-file/git-credentials", "github-token", "github_classic_pat"),
                   (pw, "credential-file/git-credentials", "git-password", "generic_url_credentials")]
    else:
        tok = VENDORS["gitlab-pat"][0](r)
        text = f"https://oauth2:{tok}@gitlab.{r.org()}.internal\n"
        secrets = [(tok, "credential-file/git-credentials", "gitlab-token", "gitlab_pat")]
    c.add(f"{home(r)}/.git-credentials", text, secrets)


def cf_npmrc(c, r, i):
    shape = "credential-file/npmrc"
    variant = i % 4
    reg = f"npm.{r.org()}.internal/repository/npm-private/"
    if variant == 0:
        tok = VENDORS["npm"][0](r)
        text = f"registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={tok}\n"
        secrets = [(tok, shape, "npm-token", "npm_access_token")]
    elif variant == 1:
        tok = r.uuid()
        text = f"@{r.org()}:registry=https://{reg}\n//{reg}:_authToken={tok}\nalways-auth=true\n"
        secrets = [(tok, shape, "npm-legacy-token", "npmrc_auth_token")]
    elif variant == 2:
        auth = base64.b64encode(f"{r.user()}:{r.password()}".encode()).decode()
        text = f"registry=https://{reg}\n_auth={auth}\nemail={r.user()}@{r.org()}.internal\nalways-auth=true\n"
        secrets = [(auth, shape, "npm-basic-auth", "npmrc_auth")]
    else:
        pw = base64.b64encode(r.password().encode()).decode()
        text = (f"registry=https://{reg}\n//{reg}:username={r.user()}\n//{reg}:_password={pw}\n"
                f"//{reg}:email={r.user()}@{r.org()}.internal\n")
        secrets = [(pw, shape, "npm-password", "npmrc_password")]
    where = home(r) if i % 2 else repo(r)
    c.add(f"{where}/.npmrc", text, secrets)


def cf_pypirc(c, r, i):
    shape = "credential-file/pypirc"
    tok = VENDORS["pypi"][0](r)
    pw = r.password()
    text = (f"[distutils]\nindex-servers =\n    pypi\n    internal\n\n[pypi]\nusername = __token__\n"
            f"password = {tok}\n\n"
            f"[internal]\nrepository = https://pypi.{r.org()}.internal/simple/\nusername = {r.user()}\n"
            f"password = {pw}\n")
    c.add(f"{home(r)}/.pypirc", text, [(tok, shape, "pypi-token", "pypi_upload_token"),
                                       (pw, shape, "pypi-password", "pypirc_password")])


def cf_gem(c, r, i):
    shape = "credential-file/gem-credentials"
    if i % 2 == 0:
        key = "rubygems_" + r.hex(48)
        secrets = [(key, shape, "rubygems-api-key", "rubygems_api_key")]
    else:
        key = r.hex(32)
        secrets = [(key, shape, "rubygems-legacy-api-key", "rubygems_legacy_api_key")]
    c.add(f"{home(r)}/.gem/credentials", f"---\n:rubygems_api_key: {key}\n", secrets)


def cf_docker(c, r, i):
    shape = "credential-file/docker-config"
    a1 = base64.b64encode(f"{r.user()}:{r.password()}".encode()).decode()
    a2 = base64.b64encode(f"_json_key_ci:{r.password(24)}".encode()).decode()
    if i % 2 == 0:
        doc = {"auths": {"https://index.docker.io/v1/": {"auth": a1},
                         f"registry.{r.org()}.internal:5000": {"auth": a2, "email": f"ci@{r.org()}.internal"}},
               "HttpHeaders": {"User-Agent": "Docker-Client/24.0.7 (linux)"}}
        c.add(f"{home(r)}/.docker/config.json", json.dumps(doc, indent="\t"),
              [(a1, shape, "registry-auth", "docker_config_auth"), (a2, shape, "registry-auth", "docker_config_auth")])
    else:
        doc = {f"https://registry.{r.org()}.internal": {"auth": a1, "email": f"{r.user()}@{r.org()}.internal"}}
        c.add(f"{home(r)}/.dockercfg", json.dumps(doc), [(a1, "credential-file/dockercfg", "registry-auth",
                                                          "docker_config_auth")])


def cf_pgpass(c, r, i):
    shape = "credential-file/pgpass"
    pw1, pw2 = r.password(), r.password()
    text = (f"# hostname:port:database:username:password\n"
            f"{r.host('pg')}:5432:{r.project().replace('-', '_')}:app:{pw1}\n"
            f"localhost:5432:*:postgres:{pw2}\n")
    c.add(f"{home(r)}/.pgpass", text, [(pw1, shape, "postgres-password", "pgpass_password"),
                                       (pw2, shape, "postgres-password", "pgpass_password")])


def cf_mycnf(c, r, i):
    shape = "credential-file/my-cnf"
    pw = r.password()
    q = '"' if i % 2 else ""
    text = f"[client]\nuser = {r.user()}\npassword = {q}{pw}{q}\nhost = {r.host('mysql')}\n\n[mysql]\ndatabase = shop\n"
    c.add(f"{home(r)}/.my.cnf", text, [(pw, shape, "mysql-password", "mysql_config_password")])


def cf_s3cfg(c, r, i):
    shape = "credential-file/s3cfg"
    kid, sec = aws_key_id(r), aws_secret(r)
    text = (f"[default]\naccess_key = {kid}\nsecret_key = {sec}\nbucket_location = eu-west-1\n"
            f"host_base = s3.amazonaws.com\n"
            "host_bucket = %(bucket)s.s3.amazonaws.com\nuse_https = True\nsignature_v2 = False\n")
    c.add(f"{home(r)}/.s3cfg", text, [(kid, shape, "aws-access-key-id", "aws_access_key_id"),
                                      (sec, shape, "aws-secret-access-key", "aws_secret_access_key")])


def cf_boto(c, r, i):
    shape = "credential-file/boto"
    kid, sec = aws_key_id(r), aws_secret(r)
    text = (f"[Credentials]\naws_access_key_id = {kid}\naws_secret_access_key = {sec}\n\n"
            "[Boto]\ndebug = 0\nnum_retries = 10\n")
    c.add(f"{home(r)}/.boto", text, [(kid, shape, "aws-access-key-id", "aws_access_key_id"),
                                     (sec, shape, "aws-secret-access-key", "aws_secret_access_key")])


def cf_aws(c, r, i):
    shape = "credential-file/aws-credentials"
    k1, s1, k2, s2 = aws_key_id(r), aws_secret(r), aws_key_id(r), aws_secret(r)
    if i % 2 == 0:
        text = (f"[default]\naws_access_key_id = {k1}\naws_secret_access_key = {s1}\n\n[{r.project()}-prod]\n"
                f"aws_access_key_id={k2}\naws_secret_access_key={s2}\nregion=us-east-2\n")
        name = "credentials"
    else:
        text = (f"[default]\nregion = eu-central-1\noutput = json\n\n[profile ci]\naws_access_key_id = {k1}\n"
                f"aws_secret_access_key = {s1}\n\n[profile legacy]\naws_access_key_id = {k2}\n"
                f"aws_secret_access_key = {s2}\n")
        name, shape = "config", "credential-file/aws-config"
    c.add(f"{home(r)}/.aws/{name}", text, [(k1, shape, "aws-access-key-id", "aws_access_key_id"),
                                           (s1, shape, "aws-secret-access-key", "aws_secret_access_key"),
                                           (k2, shape, "aws-access-key-id", "aws_access_key_id"),
                                           (s2, shape, "aws-secret-access-key", "aws_secret_access_key")])


def cf_gcloud_adc(c, r, i):
    shape = "credential-file/gcloud-adc"
    secret = "GOCSPX-" + r.s(ALNUM + "_-", 27) + r.alnum(1)
    refresh = "1//0" + r.s(ALNUM + "_-", 99) + r.alnum(1)
    doc = {"account": "", "client_id": f"{r.int(10**11, 10**12)}-{r.s(string.ascii_lowercase + string.digits, 32)}"
           ".apps.googleusercontent.com", "client_secret": secret, "quota_project_id": f"{r.project()}-prod",
           "refresh_token": refresh, "type": "authorized_user", "universe_domain": "googleapis.com"}
    c.add(f"{home(r)}/.config/gcloud/application_default_credentials.json", json.dumps(doc, indent=2),
          [(secret, shape, "google-oauth-client-secret", "google_oauth_client_secret"),
           (refresh, shape, "google-oauth-refresh-token", "google_oauth_refresh_token")])


def service_account_json(r):
    begin, lines, end = pem(r, "PRIVATE KEY", 1218)
    key = begin + "\n" + "\n".join(lines) + "\n" + end + "\n"
    project = f"{r.project()}-{r.int(100000, 999999)}"
    doc = {"type": "service_account", "project_id": project, "private_key_id": r.hex(40), "private_key": key,
           "client_email": f"deployer@{project}.iam.gserviceaccount.com", "client_id": str(r.int(10**20, 10**21)),
           "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": "https://oauth2.googleapis.com/token",
           "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
           "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/deployer%40{project}"
           ".iam.gserviceaccount.com", "universe_domain": "googleapis.com"}
    text = json.dumps(doc, indent=2)
    # The PEM as written in the JSON value (\n escapes included), BEGIN to the END marker.
    secret = json.dumps(key)[1:-1].rsplit("\\n", 1)[0]
    return text, secret


def cf_service_account(c, r, i):
    text, secret = service_account_json(r)
    c.add(f"{repo(r)}/deploy/{r.project()}-sa-{r.hex(12)}.json", text,
          [(secret, "credential-file/gcp-service-account", "gcp-service-account-key",
            "gcp_service_account_private_key")])


def cf_kubeconfig(c, r, i):
    shape = "credential-file/kubeconfig"
    ca = r.b64(800)
    variant = i % 3
    cluster = f"{r.project()}-{r.pick(['prod', 'staging', 'dev'])}"
    head = (f"apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n"
            f"    server: https://{r.host('k8s')}:6443\n  name: {cluster}\ncontexts:\n- context:\n"
            f"    cluster: {cluster}\n"
            f"    user: {cluster}-admin\n  name: {cluster}\ncurrent-context: {cluster}\npreferences: {{}}\nusers:\n"
            f"- name: {cluster}-admin\n  user:\n")
    if variant == 0:
        key = base64.b64encode((pem_text(r, "RSA PRIVATE KEY") + "\n").encode()).decode()
        cert = r.b64(900)
        text = head + f"    client-certificate-data: {cert}\n    client-key-data: {key}\n"
        secrets = [(key, shape, "client-key", "kubeconfig_client_key_data")]
    elif variant == 1:
        tok = jwt(r, {"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "kube-system",
                      "kubernetes.io/serviceaccount/service-account.name": "deployer", "sub":
                      "system:serviceaccount:kube-system:deployer"})
        text = head + f"    token: {tok}\n"
        secrets = [(tok, shape, "service-account-token", "jwt")]
    else:
        pw = r.password()
        text = head + f"    username: admin\n    password: {pw}\n"
        secrets = [(pw, shape, "basic-auth-password", "kubeconfig_password")]
    c.add(f"{home(r)}/.kube/config" if i % 2 else f"{repo(r)}/ops/kubeconfig-{cluster}.yaml", text, secrets)


def cf_tfstate(c, r, i):
    shape = "credential-file/tfstate"
    pw = r.password(24)
    sec = aws_secret(r)
    kid = aws_key_id(r)
    doc = {"version": 4, "terraform_version": "1.6.6", "serial": r.int(3, 90), "lineage": r.uuid(), "outputs": {
        "db_password": {"value": pw, "type": "string", "sensitive": True}},
        "resources": [
            {"mode": "managed", "type": "aws_db_instance", "name": "main", "provider":
             "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": [{"schema_version": 2, "attributes": {
                 "identifier": f"{r.project()}-db", "engine": "postgres", "username": "app", "password": pw,
                 "port": 5432}, "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]},
            {"mode": "managed", "type": "aws_iam_access_key", "name": "ci", "provider":
             "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": [{"schema_version": 0, "attributes": {
                 "id": kid, "user": "ci-deployer", "secret": sec, "status": "Active"}}]}]}
    text = json.dumps(doc, indent=2)
    c.add(f"{repo(r)}/infra/terraform.tfstate" if i % 2 == 0 else f"{repo(r)}/infra/terraform.tfstate.backup", text,
          [(pw, shape, "database-password", "terraform_state_sensitive_output"),
           (pw, shape, "database-password", "terraform_state_secret"),
           (kid, shape, "aws-access-key-id", "aws_access_key_id"),
           (sec, shape, "aws-secret-access-key", "aws_secret_access_key")])


def wp_salt(r):
    return r.s(ALNUM + "!@#%^&*()-_[]{}<>~+=,.;:/?|", 64)


def cf_wpconfig(c, r, i):
    shape = "credential-file/wp-config"
    pw = r.password()
    salts = [(name, wp_salt(r)) for name in ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
                                            "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"]]
    text = ("<?php\n/** The base configuration for WordPress */\n\ndefine( 'DB_NAME', 'wordpress' );\n"
            "define( 'DB_USER', 'wp_user' );\n" f"define( 'DB_PASSWORD', '{pw}' );\n"
            "define( 'DB_HOST', 'localhost' );\ndefine( 'DB_CHARSET', 'utf8mb4' );\n\n")
    text += "".join(f"define( '{n}',{' ' * (17 - len(n))}'{v}' );\n" for n, v in salts)
    text += "\n$table_prefix = 'wp_';\ndefine( 'WP_DEBUG', false );\nrequire_once ABSPATH . 'wp-settings.php';\n"
    secrets = [(pw, shape, "database-password", "wordpress_db_password")]
    secrets += [(v, shape, "auth-salt", "wordpress_auth_salt") for _, v in salts]
    c.add(f"srv/www/{r.org()}-blog/wp-config.php", text, secrets)


def cf_django(c, r, i):
    shape = "credential-file/django-settings"
    key = r.s(string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50)
    pw = r.password()
    text = ("from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n\n"
            "# SECURITY WARNING: keep the secret key used in production secret!\n"
            f"SECRET_KEY = '{key}'\n\nDEBUG = False\nALLOWED_HOSTS = ['{r.project()}.{r.org()}.internal']\n\n"
            "DATABASES = {\n    'default': {\n        'ENGINE': 'django.db.backends.postgresql',\n"
            f"        'NAME': '{r.project().replace('-', '_')}',\n        'USER': 'django',\n"
            f"        'PASSWORD': '{pw}',\n"
            f"        'HOST': '{r.host('pg')}',\n        'PORT': '5432',\n    }}\n}}\n")
    c.add(f"{repo(r)}/{r.project().replace('-', '_')}/settings.py", text,
          [(key, shape, "django-secret-key", "django_secret_key"),
           (pw, shape, "database-password", "generic_password_assignment")])


def cf_rails(c, r, i):
    variant = i % 3
    if variant == 0:
        kb1, kb2 = r.hex(128), r.hex(128)
        text = (f"development:\n  secret_key_base: {kb1}\n\ntest:\n  secret_key_base: <%= ENV[\"TEST_SECRET\"] %>\n\n"
                f"production:\n  secret_key_base: {kb2}\n")
        c.add(f"{repo(r)}/config/secrets.yml", text,
              [(kb1, "credential-file/rails-secrets", "secret-key-base", "rails_secret_key_base"),
               (kb2, "credential-file/rails-secrets", "secret-key-base", "rails_secret_key_base")])
    elif variant == 1:
        pw = r.password()
        text = ("default: &default\n  adapter: postgresql\n  encoding: unicode\n  pool: 5\n\n"
                "development:\n  <<: *default\n  database: app_development\n\n"
                f"production:\n  <<: *default\n  database: app_production\n  username: app\n  password: {pw}\n"
                f"  host: {r.host('pg')}\n")
        c.add(f"{repo(r)}/config/database.yml", text,
              [(pw, "credential-file/rails-database", "database-password", "generic_password_assignment")])
    else:
        key = r.hex(32)
        c.add(f"{repo(r)}/config/master.key", key, [(key, "credential-file/rails-master-key", "master-key",
                                                        "rails_master_key")])


def cf_env(c, r, i):
    shape = "credential-file/dotenv"
    pw = r.password()
    sk = r.alnum(48)
    v1 = r.pick(["github-classic-pat", "stripe-secret", "sendgrid", "slack-bot", "openai-project", "twilio-auth-token",
                 "datadog-api", "mailgun-private", "launchdarkly", "fastly"])
    fn, rule, var = VENDORS[v1]
    tok = fn(r)
    q = r.pick(["", '"', "'"])
    text = (f"APP_ENV=production\nAPP_URL=https://{r.project()}.{r.org()}.internal\nDB_HOST={r.host('pg')}\n"
            f"DB_PORT=5432\n"
            f"DB_USERNAME=app\nDB_PASSWORD={q}{pw}{q}\nSESSION_SECRET={q}{sk}{q}\n{var}={q}{tok}{q}\nLOG_LEVEL=info\n")
    name = r.pick([".env", ".env", ".env.production", ".env.local"])
    c.add(f"{repo(r)}/{name}", text, [(pw, shape, "database-password", "generic_password_assignment"),
                                      (sk, shape, "session-secret", "generic_secret_assignment"),
                                      (tok, shape, f"vendor-key/{v1}", rule)])


def cf_maven(c, r, i):
    shape = "credential-file/maven-settings"
    pw = r.password()
    text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\">\n"
            "  <servers>\n    <server>\n      <id>internal-releases</id>\n"
            f"      <username>{r.user()}</username>\n      <password>{pw}</password>\n    </server>\n  </servers>\n"
            "</settings>\n")
    c.add(f"{home(r)}/.m2/settings.xml", text, [(pw, shape, "repository-password", "maven_settings_password")])


def cf_gradle(c, r, i):
    shape = "credential-file/gradle-properties"
    pw, spw = r.password(), r.password()
    text = (f"org.gradle.jvmargs=-Xmx2g\nossrhUsername={r.user()}\nossrhPassword={pw}\n"
            f"signing.keyId={r.hex(8).upper()}\n"
            f"signing.password={spw}\nsigning.secretKeyRingFile=/home/ci/.gnupg/secring.gpg\n")
    c.add(f"{home(r)}/.gradle/gradle.properties", text,
          [(pw, shape, "repository-password", "generic_password_assignment"),
           (spw, shape, "signing-password", "generic_password_assignment")])


def cf_composer(c, r, i):
    shape = "credential-file/composer-auth"
    tok = VENDORS["github-oauth"][0](r)
    pw = r.password()
    doc = {"github-oauth": {"github.com": tok},
           "http-basic": {f"repo.{r.org()}.internal": {"username": r.user(), "password": pw}}}
    c.add(f"{repo(r)}/auth.json", json.dumps(doc, indent=4),
          [(tok, shape, "github-token", "github_oauth_token"),
           (pw, shape, "repository-password", "composer_auth_password")])


def cf_filezilla(c, r, i):
    pw = base64.b64encode(r.password().encode()).decode()
    if i % 2 == 0:
        text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FileZilla3 version=\"3.66.4\" platform=\"windows\">\n"
                "\t<Servers>\n\t\t<Server>\n" f"\t\t\t<Host>ftp.{r.org()}.internal</Host>\n\t\t\t<Port>21</Port>\n"
                "\t\t\t<Protocol>0</Protocol>\n\t\t\t<Type>0</Type>\n" f"\t\t\t<User>{r.user()}</User>\n"
                f"\t\t\t<Pass encoding=\"base64\">{pw}</Pass>\n\t\t\t<Logontype>1</Logontype>\n"
                "\t\t\t<Name>production</Name>\n\t\t</Server>\n\t</Servers>\n</FileZilla3>\n")
        c.add(f"Users/{r.user().capitalize()}/AppData/Roaming/FileZilla/sitemanager.xml", text,
              [(pw, "credential-file/filezilla-sitemanager", "ftp-password", "filezilla_password")])
    else:
        text = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FileZilla3>\n\t<RecentServers>\n\t\t<Server>\n"
                f"\t\t\t<Host>{r.host('sftp')}</Host>\n\t\t\t<Port>22</Port>\n\t\t\t<Protocol>1</Protocol>\n"
                f"\t\t\t<User>deploy</User>\n\t\t\t<Pass encoding=\"base64\">{pw}</Pass>\n\t\t</Server>\n"
                "\t</RecentServers>\n</FileZilla3>\n")
        c.add(f"home/{r.user()}/.config/filezilla/recentservers.xml", text,
              [(pw, "credential-file/filezilla-recentservers", "ftp-password", "filezilla_password")])


def cf_sftp_config(c, r, i):
    pw = r.password()
    text = ("{\n    // sftp, ftp or ftps\n    \"type\": \"sftp\",\n\n    \"save_before_upload\": true,\n"
            "    \"upload_on_save\": false,\n    \"sync_down_on_open\": false,\n\n"
            f"    \"host\": \"{r.host('web')}\",\n    \"user\": \"{r.user()}\",\n    \"password\": \"{pw}\",\n"
            "    \"port\": \"22\",\n\n    \"remote_path\": \"/var/www/html/\",\n    \"connect_timeout\": 30,\n}\n")
    c.add(f"{repo(r)}/sftp-config.json", text, [(pw, "credential-file/sftp-config", "sftp-password",
                                                 "sftp_config_password")])


def cf_winscp(c, r, i):
    # WinSCP stores an obfuscated (not encrypted) password as hex digits.
    pw = r.s("0123456789ABCDEF", 2 * r.int(30, 44))
    text = (f"[Sessions\\{r.user()}@{r.host('web')}]\nHostName={r.host('web')}\nUserName={r.user()}\n"
            f"Password={pw}\nFSProtocol=2\n\n[Configuration\\Interface]\nLanguage=0409\n")
    c.add(f"Users/{r.user().capitalize()}/AppData/Roaming/WinSCP.ini", text,
          [(pw, "credential-file/winscp", "sftp-password", "winscp_password")])


def cf_putty_reg(c, r, i):
    pw = r.password()
    text = ("Windows Registry Editor Version 5.00\r\n\r\n"
            f"[HKEY_CURRENT_USER\\Software\\SimonTatham\\PuTTY\\Sessions\\{r.project()}-bastion]\r\n"
            f"\"HostName\"=\"{r.host('bastion')}\"\r\n\"PortNumber\"=dword:00000016\r\n"
            f"\"ProxyMethod\"=dword:00000003\r\n"
            f"\"ProxyHost\"=\"proxy.{r.org()}.internal\"\r\n\"ProxyUsername\"=\"{r.user()}\"\r\n"
            f"\"ProxyPassword\"=\"{pw}\"\r\n")
    c.add(f"exports/{r.user()}-putty-sessions.reg", text,
          [(pw, "credential-file/putty-session", "proxy-password", "putty_session_password")])


def bcrypt_hash(r):
    return "$2y$" + str(r.pick([10, 11, 12])) + "$" + r.s(BCRYPT, 53)


def cf_htpasswd(c, r, i):
    h1 = bcrypt_hash(r)
    h2 = "$apr1$" + r.s(CRYPT, 8) + "$" + r.s(CRYPT, 22)
    h3 = "{SHA}" + base64.b64encode(r.bytes(20)).decode()
    text = f"{r.user()}:{h1}\n{r.user()}-ops:{h2}\nmonitor:{h3}\n"
    shape = "credential-file/htpasswd"
    c.add(f"etc/nginx/{r.project()}.htpasswd" if i % 2 else f"srv/www/{r.project()}/.htpasswd", text,
          [(h1, shape, "bcrypt-hash", "htpasswd_hash"), (h2, shape, "apr1-hash", "htpasswd_hash"),
           (h3, shape, "sha1-hash", "htpasswd_hash")])


def cf_shadow(c, r, i):
    h1 = "$6$" + r.s(CRYPT, 16) + "$" + r.s(CRYPT, 86)
    h2 = "$y$j9T$" + r.s(CRYPT, 22) + "$" + r.s(CRYPT, 43)
    text = (f"root:{h1}:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nbin:*:19700:0:99999:7:::\n"
            f"sshd:!:19700::::::\n{r.user()}:{h2}:19712:0:99999:7:::\n")
    shape = "credential-file/shadow"
    c.add(f"backups/{r.host('web').split('.')[0]}/etc/shadow", text,
          [(h1, shape, "sha512crypt-hash", "shadow_password_hash"),
           (h2, shape, "yescrypt-hash", "shadow_password_hash")])


def cf_jenkins(c, r, i):
    sec = "{" + base64.b64encode(b"\x01\x00\x00\x00\x10\x00\x00\x00\x10" + r.bytes(64)).decode() + "}"
    text = ("<?xml version='1.1' encoding='UTF-8'?>\n<com.cloudbees.plugins.credentials.SystemCredentialsProvider "
            "plugin=\"credentials@1319.v7eb_51b_3a_c97b_\">\n"
            "  <domainCredentialsMap class=\"hudson.util.CopyOnWriteMap$Hash\">\n"
            "    <entry>\n      <com.cloudbees.plugins.credentials.domains.Domain>\n        <specifications/>\n"
            "      </com.cloudbees.plugins.credentials.domains.Domain>\n"
            "      <java.util.concurrent.CopyOnWriteArrayList>\n"
            "        <com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n"
            "          <scope>GLOBAL</scope>\n          <id>deploy-creds</id>\n          <username>deploy</username>\n"
            f"          <password>{sec}</password>\n"
            "        </com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl>\n"
            "      </java.util.concurrent.CopyOnWriteArrayList>\n    </entry>\n  </domainCredentialsMap>\n"
            "</com.cloudbees.plugins.credentials.SystemCredentialsProvider>\n")
    c.add(f"var/lib/jenkins-{r.project()}/credentials.xml", text,
          [(sec, "credential-file/jenkins-credentials", "encrypted-secret", "jenkins_credentials_secret")])


def cf_compose(c, r, i):
    shape = "credential-file/docker-compose"
    pw, rpw = r.password(), r.password()
    if i % 2 == 0:
        env = f"    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: {pw}\n"
        env2 = f"    environment:\n      - RABBITMQ_DEFAULT_USER=app\n      - RABBITMQ_DEFAULT_PASS={rpw}\n"
    else:
        env = f"    environment:\n      - MYSQL_ROOT_PASSWORD={pw}\n      - MYSQL_DATABASE=shop\n"
        env2 = f"    environment:\n      REDIS_PASSWORD: \"{rpw}\"\n"
    text = (f"services:\n  db:\n    image: {'postgres:16' if i % 2 == 0 else 'mysql:8.0'}\n{env}    volumes:\n"
            "      - db-data:/var/lib/data\n  queue:\n"
            f"    image: {'rabbitmq:3-management' if i % 2 == 0 else 'redis:7'}\n{env2}\nvolumes:\n  db-data: {{}}\n")
    c.add(f"{repo(r)}/docker-compose.yml" if i % 3 else f"{repo(r)}/compose.yaml", text,
          [(pw, shape, "database-password", "generic_password_assignment"),
           (rpw, shape, "service-password", "generic_password_assignment")])


def cf_vault_pass(c, r, i):
    pw = r.s(ALNUM + "-_.", r.int(24, 40))
    name = r.pick([".vault_pass", ".vault_pass.txt", "vault_password", ".ansible-vault-pass"])
    c.add(f"{repo(r)}/ansible/{name}", pw, [(pw, "credential-file/ansible-vault-password", "vault-password",
                                            "ansible_vault_password")])


def cf_ssh_keys(c, r, i):
    variant = i % 4
    if variant == 0:
        key, name, rule = pem_text(r, "RSA PRIVATE KEY"), "id_rsa", "private_key_pem"
    elif variant == 1:
        key, name, rule = openssh_key(r, 400), "id_ed25519", "openssh_private_key"
    elif variant == 2:
        key, name, rule = openssh_key(r, 504), "id_ecdsa", "openssh_private_key"
    else:
        key, name, rule = openssh_key(r, 1800), "id_rsa", "openssh_private_key"
    shape = f"credential-file/ssh-{name.replace('_', '-')}"
    c.add(f"{home(r)}/.ssh/{name}", key, [(key, shape, "ssh-private-key", rule)])


def cf_ppk(c, r, i):
    pub = r.b64(51 if i % 2 == 0 else 279)
    priv = r.b64(48 if i % 2 == 0 else 656)
    algo = "ssh-ed25519" if i % 2 == 0 else "ssh-rsa"

    def wrap(b):
        return [b[k:k + 64] for k in range(0, len(b), 64)]

    pl, vl = wrap(pub), wrap(priv)
    key = (f"PuTTY-User-Key-File-3: {algo}\nEncryption: none\nComment: {r.user()}@{r.project()}\n"
           f"Public-Lines: {len(pl)}\n"
           + "\n".join(pl) + f"\nPrivate-Lines: {len(vl)}\n" + "\n".join(vl) + f"\nPrivate-MAC: {r.hex(64)}")
    c.add(f"Users/{r.user().capitalize()}/keys/{r.project()}.ppk", key,
          [(key, "credential-file/putty-ppk", "ssh-private-key", "putty_private_key")])


def cf_history(c, r, i):
    shape = "credential-file/shell-history"
    pw1 = r.password()
    pw2 = r.password()
    tok = VENDORS["github-classic-pat"][0](r)
    kid, sec = aws_key_id(r), aws_secret(r)
    uri_pw = r.password()
    lines = ["ls -la", "cd ~/src/" + r.project(), "git pull --rebase",
             f"mysql -h {r.host('mysql')} -u root -p{pw1} shop", "make test",
             f"curl -u {r.user()}:{pw2} https://jenkins.{r.org()}.internal/job/deploy/build",
             f"export GITHUB_TOKEN={tok}", f"export AWS_ACCESS_KEY_ID={kid}", f"export AWS_SECRET_ACCESS_KEY={sec}",
             "aws s3 ls", f"psql postgresql://app:{uri_pw}@{r.host('pg')}:5432/app", "history | tail", "exit"]
    name = r.pick([".bash_history", ".zsh_history", ".bash_history"])
    c.add(f"{home(r)}/{name}", "\n".join(lines),
          [(pw1, shape, "mysql-password", "command_line_password"),
           (pw2, shape, "basic-auth-password", "curl_user_password"),
           (tok, shape, "github-token", "github_classic_pat"), (kid, shape, "aws-access-key-id", "aws_access_key_id"),
           (sec, shape, "aws-secret-access-key", "aws_secret_access_key"),
           (uri_pw, shape, "database-password", "postgres_url_with_password")])


CREDENTIAL_FILES = [
    (cf_netrc, 6), (cf_git_credentials, 4), (cf_npmrc, 8), (cf_pypirc, 3), (cf_gem, 4), (cf_docker, 6), (cf_pgpass, 3),
    (cf_mycnf, 3), (cf_s3cfg, 3), (cf_boto, 3), (cf_aws, 6), (cf_gcloud_adc, 3), (cf_service_account, 4),
    (cf_kubeconfig, 6), (cf_tfstate, 4), (cf_wpconfig, 4), (cf_django, 4), (cf_rails, 6), (cf_env, 10), (cf_maven, 3),
    (cf_gradle, 3), (cf_composer, 3), (cf_filezilla, 4), (cf_sftp_config, 3), (cf_winscp, 3), (cf_putty_reg, 3),
    (cf_htpasswd, 4), (cf_shadow, 3), (cf_jenkins, 3), (cf_compose, 6), (cf_vault_pass, 4), (cf_ssh_keys, 8),
    (cf_ppk, 4), (cf_history, 6),
]

# ---------------------------------------------------------------------------------- context shapes

URI_SCHEMES = [
    ("postgres", "postgres://", "5432", "postgres_url_with_password"),
    ("postgresql", "postgresql://", "5432", "postgres_url_with_password"),
    ("mysql", "mysql://", "3306", "mysql_url_with_password"),
    ("mongodb", "mongodb://", "27017", "mongodb_url_with_password"),
    ("mongodb-srv", "mongodb+srv://", "", "mongodb_url_with_password"),
    ("redis", "redis://", "6379", "redis_url_with_password"),
    ("rediss", "rediss://", "6380", "redis_url_with_password"),
    ("amqp", "amqp://", "5672", "amqp_url_with_password"),
    ("amqps", "amqps://", "5671", "amqp_url_with_password"),
    ("mssql", "mssql://", "1433", "connection_uri_password"),
    ("sqlserver", "sqlserver://", "1433", "connection_uri_password"),
    ("ldap", "ldap://", "389", "generic_url_credentials"),
    ("ftp", "ftp://", "21", "generic_url_credentials"),
    ("smtp", "smtp://", "587", "generic_url_credentials"),
]


def uri(r, scheme, port):
    pw = r.password()
    user = r.pick(["app", "svc_" + r.project().replace("-", "_"), r.user(), "admin"])
    if scheme == "mongodb+srv://":
        host = f"cluster0.{r.alnum(5).lower()}.mongodb.net"
    else:
        host = r.host(scheme.split(":")[0].split("+")[0])
    return f"{scheme}{user}:{pw}@{host}{':' + port if port else ''}/{r.project().replace('-', '_')}", pw


def place_value(r, lang, var, value):
    """A line (or lines) that assigns `value` to `var` in `lang`, and the file extension."""
    lv = var.lower()
    cam = "".join(p.capitalize() for p in lv.split("_"))
    cam = cam[0].lower() + cam[1:]
    return {
        "shell": (f"export {var}=\"{value}\"\n", "sh"),
        "env": (f"{var}={value}\n", "env"),
        "yaml": (f"{lv}: \"{value}\"\n", "yaml"),
        "json": (json.dumps({lv: value}, indent=2) + "\n", "json"),
        "toml": (f"[service]\n{lv} = \"{value}\"\n", "toml"),
        "ini": (f"[main]\n{lv} = {value}\n", "ini"),
        "properties": (f"app.{lv.replace('_', '.')}={value}\n", "properties"),
        "xml-element": (f"<config>\n  <{cam}>{value}</{cam}>\n</config>\n", "xml"),
        "xml-attribute": (f"<config>\n  <add key=\"{var}\" value=\"{value}\" />\n</config>\n", "config"),
        "python": (f"{var} = \"{value}\"\n", "py"),
        "javascript": (f"const {cam} = '{value}';\nmodule.exports = {{ {cam} }};\n", "js"),
        "typescript": (f"export const {var}: string = \"{value}\";\n", "ts"),
        "go": (f"package config\n\nconst {cam[0].upper() + cam[1:]} = \"{value}\"\n", "go"),
        "java": (f"public final class Config {{\n    static final String {var} = \"{value}\";\n}}\n", "java"),
        "csharp": (f"public static class Config\n{{\n"
                   f"    public const string {cam[0].upper() + cam[1:]} = \"{value}\";\n}}\n",
                   "cs"),
        "php": (f"<?php\n${lv} = '{value}';\n", "php"),
        "ruby": (f"{var} = '{value}'.freeze\n", "rb"),
        "terraform": (f"variable \"{lv}\" {{\n  default = \"{value}\"\n}}\n", "tf"),
    }[lang]


LANGS = ["shell", "env", "yaml", "json", "toml", "ini", "properties", "xml-element", "xml-attribute", "python",
         "javascript", "typescript", "go", "java", "csharp", "php", "ruby", "terraform"]


def ctx_connection_uris(c, r):
    for k, (name, scheme, port, rule) in enumerate(URI_SCHEMES):
        for j in range(2):
            u, pw = uri(r, scheme, port)
            lang = LANGS[(k * 2 + j) % len(LANGS)]
            var = r.pick(["DATABASE_URL", "DB_URL", "CONNECTION_URL", "BROKER_URL", "SERVICE_URL"])
            if name in ("ldap",):
                var = "LDAP_URL"
            elif name in ("smtp",):
                var = "SMTP_URL"
            elif name == "ftp":
                var = "FTP_URL"
            body, ext = place_value(r, lang, var, u)
            c.add(f"{repo(r)}/config/{name}-{j}.{ext}", body,
                  [(pw, "context/connection-uri", f"{name}-password", rule)])
    # ADO.NET and JDBC forms.
    for j in range(3):
        pw = r.password()
        s = f"Server=tcp:{r.host('sql')},1433;Database=shop;User ID=app;Password={pw};Encrypt=True;"
        body = json.dumps({"ConnectionStrings": {"DefaultConnection": s},
                           "Logging": {"LogLevel": {"Default": "Warning"}}}, indent=2)
        c.add(f"{repo(r)}/src/appsettings.Production.json", body,
              [(pw, "context/connection-string", "sqlserver-password", "sqlserver_connection_string_password")])
        pw2 = r.password()
        j_url = f"jdbc:postgresql://{r.host('pg')}:5432/app?user=app&password={pw2}&ssl=true"
        c.add(f"{repo(r)}/src/main/resources/application.properties",
              f"spring.datasource.url={j_url}\nspring.jpa.hibernate.ddl-auto=validate\n",
              [(pw2, "context/connection-uri", "jdbc-password", "jdbc_url_with_password")])


def ctx_curl(c, r):
    for j in range(6):
        pw = r.password()
        user = r.user()
        flag = r.pick(["-u", "--user", "-u"])
        sep = " " if j % 2 == 0 else "="
        if flag == "-u":
            sep = " "
        q = r.pick(["", "'", '"'])
        cmd = f"curl -sS {flag}{sep}{q}{user}:{pw}{q} -X POST https://api.{r.org()}.internal/v2/deploy -d @payload.json"
        text = f"#!/bin/sh\nset -eu\n# trigger a deployment\n{cmd}\necho done\n"
        c.add(f"{repo(r)}/scripts/deploy-{j}.sh", text,
              [(pw, "context/curl-user", "basic-auth-password", "curl_user_password")])


def ctx_auth_headers(c, r):
    for j in range(8):
        if j % 2 == 0:
            cred = base64.b64encode(f"{r.user()}:{r.password()}".encode()).decode()
            header, rule, kind = f"Authorization: Basic {cred}", "generic_basic_auth_header", "basic-auth"
        else:
            cred = r.s(ALNUM + "-._~", 40)
            header, rule, kind = f"Authorization: Bearer {cred}", "generic_bearer_token_header", "bearer-token"
        form = j % 4
        if form == 0:
            text = f"### get orders\nGET https://api.{r.org()}.internal/v1/orders\n{header}\nAccept: application/json\n"
            path = f"{repo(r)}/http/orders.http"
        elif form == 1:
            text = f"import requests\n\nresp = requests.get(\n    'https://api.{r.org()}.internal/v1/users',\n" \
                   f"    headers={{'{header.split(': ')[0]}': '{header.split(': ')[1]}'}},\n)\nprint(resp.json())\n"
            path = f"{repo(r)}/tools/fetch_users.py"
        elif form == 2:
            text = f"curl -H \"{header}\" https://api.{r.org()}.internal/v1/health\n"
            path = f"{repo(r)}/scripts/health.sh"
        else:
            text = f"fetch('https://api.{r.org()}.internal/v1/items', {{\n  headers: {{ 'Authorization': " \
                   f"'{header.split(': ')[1]}' }},\n}});\n"
            path = f"{repo(r)}/web/src/api.js"
        c.add(path, text, [(cred, f"context/authorization-{kind.split('-')[0]}", kind, rule)])


ASSIGN_NAMES = [("password", "generic_password_assignment", "password"),
                ("db_password", "generic_password_assignment", "password"),
                ("admin_passwd", "generic_password_assignment", "password"),
                ("client_secret", "generic_secret_assignment", "secret"),
                ("secret_key", "generic_secret_assignment", "secret"),
                ("api_key", "generic_api_key_assignment", "api-key"),
                ("auth_token", "generic_api_key_assignment", "token"),
                ("access_token", "generic_api_key_assignment", "token")]


def ctx_assignments(c, r):
    for k, lang in enumerate(LANGS):
        for j in range(2):
            name, rule, kind = ASSIGN_NAMES[(k * 2 + j) % len(ASSIGN_NAMES)]
            value = r.password() if kind == "password" else r.alnum(r.int(24, 40))
            body, ext = place_value(r, lang, name.upper(), value)
            c.add(f"{repo(r)}/conf/settings-{j}.{ext}", body, [(value, f"context/assignment-{lang}", kind, rule)])


def ctx_jwt(c, r):
    for j in range(6):
        tok = jwt(r)
        form = j % 3
        if form == 0:
            text = f"{{\n  \"service\": \"{r.project()}\",\n  \"token\": \"{tok}\"\n}}\n"
            path = f"{repo(r)}/config/service-token.json"
        elif form == 1:
            text = f"SERVICE_JWT={tok}\n"
            path = f"{repo(r)}/.env.staging"
        else:
            text = f"const client = new Client({{ url: 'wss://rt.{r.org()}.internal', jwt: '{tok}' }});\n"
            path = f"{repo(r)}/web/src/realtime.ts"
        c.add(path, text, [(tok, "context/jwt", "jwt", "jwt")])


# ------------------------------------------------------------------------------------- PEM shapes


def pem_shapes(c, r):
    def lit_escaped(label):
        begin, lines, end = pem(r, label)
        return begin + "\\n" + "\\n".join(lines) + "\\n" + end

    # \n escapes inside one string literal, in several languages.
    forms = [("python", "py", "PRIVATE_KEY = \"{k}\\n\"\n"), ("javascript", "js", "const privateKey = \"{k}\\n\";\n"),
             ("go", "go", "package auth\n\nconst signingKey = \"{k}\\n\"\n"),
             ("java", "java", "class Keys {{\n  static final String PRIVATE_KEY = \"{k}\\n\";\n}}\n"),
             ("csharp", "cs", "static class Keys\n{{\n    public const string Pem = \"{k}\\n\";\n}}\n"),
             ("php", "php", "<?php\n$privateKey = \"{k}\\n\";\n"), ("ruby", "rb", "PRIVATE_KEY = \"{k}\\n\"\n"),
             ("env", "env", "JWT_PRIVATE_KEY=\"{k}\"\n"), ("typescript", "ts", "export const key = `{k}`;\n")]
    for lang, ext, tmpl in forms:
        label = r.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
        k = lit_escaped(label)
        c.add(f"{repo(r)}/src/keys_{lang}.{ext}", tmpl.format(k=k),
              [(k, "pem/string-literal-escaped", label.lower().replace(" ", "-"), "private_key_pem")])

    # Lines joined with + (JS, Java, C#) and adjacent literals with \ continuations (C, Python, shell).
    for lang, ext, head, tail, glue in [("javascript", "js", "const key =\n  ", ";\n", " +\n  "),
                                        ("java", "java", "String key =\n    ", ";\n", " +\n    "),
                                        ("csharp", "cs", "var key =\n    ", ";\n", " +\n    "),
                                        ("typescript", "ts", "export const KEY =\n  ", ";\n", " +\n  ")]:
        begin, lines, end = pem(r, "RSA PRIVATE KEY")
        parts = [f"\"{x}\\n\"" for x in [begin] + lines + [end]]
        body = glue.join(parts)
        secret = body[1:body.rfind(end) + len(end)]
        c.add(f"{repo(r)}/src/signer_{lang}.{ext}", head + body + tail,
              [(secret, "pem/string-literal-plus-joined", "rsa-private-key", "private_key_pem")])
    for lang, ext, head, tail in [("c", "c", "static const char kKey[] =\n    ", ";\n"),
                                  ("python", "py", "KEY = (\n    ", ")\n"),
                                  ("shell", "sh", "KEY=", "\n")]:
        begin, lines, end = pem(r, "EC PRIVATE KEY" if lang == "c" else "RSA PRIVATE KEY")
        if lang == "c":
            body = " \\\n    ".join(f"\"{x}\\n\"" for x in [begin] + lines + [end])
        elif lang == "python":
            body = "\n    ".join(f"\"{x}\\n\"" for x in [begin] + lines + [end])
        else:
            body = "\"" + "\\n\\\n".join([begin] + lines + [end]) + "\""
        secret = body[1:body.rfind(end) + len(end)]
        c.add(f"{repo(r)}/src/key_continued.{ext}", head + body + tail,
              [(secret, "pem/string-literal-continued", "private-key", "private_key_pem")])

    # JSON and XML values, YAML block scalars.
    for j in range(3):
        begin, lines, end = pem(r, "PRIVATE KEY")
        key = "\n".join([begin] + lines + [end]) + "\n"
        doc = {"issuer": f"https://auth.{r.org()}.internal", "kid": r.hex(16), "signing_key": key}
        secret = json.dumps(key)[1:-1].rsplit("\\n", 1)[0]
        c.add(f"{repo(r)}/config/jwt-signing-{j}.json", json.dumps(doc, indent=2),
              [(secret, "pem/json-value", "private-key", "private_key_pem")])
    for j in range(3):
        key = pem_text(r, "RSA PRIVATE KEY")
        text = (f"<?xml version=\"1.0\"?>\n<saml>\n  <sp entityId=\"https://{r.project()}.{r.org()}.internal\">\n"
                f"    <privateKey>{key}</privateKey>\n  </sp>\n</saml>\n")
        c.add(f"{repo(r)}/config/saml-sp-{j}.xml", text, [(key, "pem/xml-value", "rsa-private-key", "private_key_pem")])
    for j in range(4):
        begin, lines, end = pem(r, r.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]))
        ind = " " * (4 if j % 2 == 0 else 6)
        block = ("\n" + ind).join([begin] + lines + [end])
        if j % 2 == 0:
            text = f"tls:\n  enabled: true\n  key: |\n    {block}\n  cert: /etc/tls/tls.crt\n"
        else:
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {r.project()}-tls\ntype: kubernetes.io/tls\n"
                    f"stringData:\n  tls.key: |-\n{ind}{block}\n")
        c.add(f"{repo(r)}/deploy/tls-values-{j}.yaml", text, [(block, "pem/yaml-block-scalar", "private-key",
                                                                "private_key_pem")])

    # Base64-wrapped PEM (Kubernetes Secret data, environment variables).
    for j in range(6):
        key_b64 = base64.b64encode((pem_text(r, r.pick(["RSA PRIVATE KEY", "PRIVATE KEY"])) + "\n").encode()).decode()
        if j % 3 == 0:
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {r.project()}-signing\ntype: Opaque\ndata:\n"
                    f"  private.pem: {key_b64}\n")
            path = f"{repo(r)}/k8s/secret-signing-{j}.yaml"
        elif j % 3 == 1:
            text = f"SIGNING_KEY_B64={key_b64}\n"
            path = f"{repo(r)}/.env.deploy"
        else:
            text = f"{{\n  \"privateKeyBase64\": \"{key_b64}\"\n}}\n"
            path = f"{repo(r)}/config/app-{j}.json"
        c.add(path, text, [(key_b64, "pem/base64-wrapped", "private-key", "private_key_pem_base64")])
    # Plain PEM files named like keys.
    for j in range(4):
        label = ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"][j]
        key = pem_text(r, label)
        c.add(f"{repo(r)}/certs/{r.pick(['server', 'tls', 'api', 'client'])}-{j}.key", key,
              [(key, "pem/file", label.lower().replace(" ", "-"), "private_key_pem")])


# ---------------------------------------------------------------------- CI, notebooks, logs, k8s


def ci_files(c, r):
    for j in range(4):
        v = r.pick(["slack-webhook", "npm", "pypi", "github-fine-grained", "sendgrid", "datadog-api"])
        fn, rule, var = VENDORS[v]
        tok = fn(r)
        pw = r.password()
        text = (f"name: release\non:\n  push:\n    tags: ['v*']\njobs:\n  publish:\n    runs-on: ubuntu-latest\n"
                f"    env:\n      {var}: {tok}\n      DB_PASSWORD: {pw}\n    steps:\n"
                f"      - uses: actions/checkout@v4\n"
                "      - run: make release\n")
        c.add(f"{repo(r)}/.github/workflows/release-{j}.yml", text,
              [(tok, "ci/github-actions", f"vendor-key/{v}", rule),
               (pw, "ci/github-actions", "database-password", "generic_password_assignment")])
    for j in range(3):
        v = r.pick(["gitlab-trigger", "aws", "docker", "slack-bot"])
        if v == "aws":
            kid, sec = aws_key_id(r), aws_secret(r)
            vars_ = f"  AWS_ACCESS_KEY_ID: {kid}\n  AWS_SECRET_ACCESS_KEY: {sec}\n"
            secrets = [(kid, "ci/gitlab-ci", "aws-access-key-id", "aws_access_key_id"),
                       (sec, "ci/gitlab-ci", "aws-secret-access-key", "aws_secret_access_key")]
        elif v == "docker":
            pw = r.password()
            vars_ = f"  REGISTRY_USER: deploy\n  REGISTRY_PASSWORD: \"{pw}\"\n"
            secrets = [(pw, "ci/gitlab-ci", "registry-password", "generic_password_assignment")]
        else:
            fn, rule, var = VENDORS["gitlab-trigger" if v == "gitlab-trigger" else "slack-bot"]
            tok = fn(r)
            vars_ = f"  {var}: \"{tok}\"\n"
            secrets = [(tok, "ci/gitlab-ci", f"vendor-key/{v}", rule)]
        text = (f"stages: [build, deploy]\n\nvariables:\n{vars_}\n"
                "deploy:\n  stage: deploy\n  script:\n    - ./deploy.sh\n")
        c.add(f"{repo(r)}/.gitlab-ci.yml", text, secrets)
    for j in range(3):
        pw = r.password()
        tok = VENDORS["slack-webhook"][0](r)
        text = ("pipeline {\n  agent any\n  environment {\n"
                f"    NEXUS_PASSWORD = '{pw}'\n    SLACK_HOOK = '{tok}'\n  }}\n  stages {{\n    stage('Deploy') {{\n"
                "      steps {\n        sh './gradlew publish'\n      }\n    }\n  }\n}\n")
        c.add(f"{repo(r)}/Jenkinsfile", text,
              [(pw, "ci/jenkinsfile", "repository-password", "generic_password_assignment"),
               (tok, "ci/jenkinsfile", "vendor-key/slack-webhook", "slack_webhook_url")])


def notebooks(c, r):
    for j in range(4):
        v = r.pick(["openai-project", "huggingface", "anthropic", "aws", "datadog-api"])
        if v == "aws":
            kid, sec = aws_key_id(r), aws_secret(r)
            src = ["import boto3\n", f"session = boto3.Session(aws_access_key_id=\"{kid}\",\n",
                   f"                        aws_secret_access_key=\"{sec}\")\n", "s3 = session.client('s3')"]
            secrets = [(kid, "notebook/code-cell", "aws-access-key-id", "aws_access_key_id"),
                       (sec, "notebook/code-cell", "aws-secret-access-key", "aws_secret_access_key")]
        else:
            fn, rule, var = VENDORS[v]
            tok = fn(r)
            src = ["import os\n", f"os.environ[\"{var}\"] = \"{tok}\"\n", "client = make_client()"]
            secrets = [(tok, "notebook/code-cell", f"vendor-key/{v}", rule)]
        nb = {"cells": [{"cell_type": "markdown", "metadata": {},
                         "source": ["# Exploration\n", "Quick look at the data."]},
                        {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": src}],
              "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
              "nbformat": 4, "nbformat_minor": 5}
        c.add(f"{repo(r)}/notebooks/explore-{j}.ipynb", json.dumps(nb, indent=1), secrets)


def logs(c, r):
    for j in range(6):
        form = j % 3
        if form == 0:
            u, pw = uri(r, "postgresql://", "5432")
            line = f"2024-03-0{j + 1}T10:22:31.114Z ERROR db.pool connection failed url={u} err=\"timeout\""
            secrets = [(pw, "log/connection-uri", "database-password", "postgres_url_with_password")]
        elif form == 1:
            tok = jwt(r)
            line = (f"10.0.{j}.17 - - [0{j + 1}/Mar/2024:10:22:31 +0000] "
                    f"\"GET /api/v1/me?access_token={tok} HTTP/1.1\" "
                    "200 512 \"-\" \"okhttp/4.12.0\"")
            secrets = [(tok, "log/access-log-token", "jwt", "jwt")]
        else:
            cred = r.s(ALNUM, 40)
            line = (f"DEBUG http.client send: b'POST /v3/charges HTTP/1.1\\r\\nHost: api.{r.org()}.internal\\r\\n"
                    f"Authorization: Bearer {cred}\\r\\n'")
            secrets = [(cred, "log/http-debug", "bearer-token", "generic_bearer_token_header")]
        text = "\n".join([f"2024-03-0{j + 1}T10:22:30.001Z INFO  starting worker pid={r.int(1000, 9999)}", line,
                          f"2024-03-0{j + 1}T10:22:32.500Z INFO  retry in 5s"])
        c.add(f"var/log/{r.project()}/app-{j}.log", text, secrets)


def k8s_and_helm(c, r):
    for j in range(5):
        pw = r.password()
        tok = VENDORS[r.pick(["stripe-secret", "sendgrid", "slack-bot", "github-classic-pat"])]
        fnv, rule, var = tok
        t = fnv(r)
        if j % 2 == 0:
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {r.project()}-env\n  namespace: prod\n"
                    f"type: Opaque\n"
                    f"stringData:\n  DB_PASSWORD: \"{pw}\"\n  {var}: \"{t}\"\n")
            secrets = [(pw, "k8s/secret-stringdata", "database-password", "generic_password_assignment"),
                       (t, "k8s/secret-stringdata", "vendor-key", rule)]
        else:
            b = base64.b64encode(pw.encode()).decode()
            text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: {r.project()}-db\ntype: Opaque\ndata:\n"
                    f"  username: {base64.b64encode(b'app').decode()}\n  password: {b}\n  {var.lower()}: "
                    f"{base64.b64encode(t.encode()).decode()}\n")
            secrets = [(b, "k8s/secret-data-base64", "database-password", "kubernetes_secret_data"),
                       (base64.b64encode(t.encode()).decode(), "k8s/secret-data-base64", "vendor-key-base64",
                        "kubernetes_secret_data")]
        c.add(f"{repo(r)}/k8s/secret-{j}.yaml", text, secrets)
    for j in range(4):
        pw, rpw = r.password(), r.password()
        text = (f"replicaCount: 2\nimage:\n  repository: registry.{r.org()}.internal/{r.project()}\n  tag: 1.4.{j}\n"
                f"postgresql:\n  auth:\n    username: app\n    password: {pw}\n    database: app\n"
                f"redis:\n  auth:\n    enabled: true\n    password: \"{rpw}\"\n")
        c.add(f"{repo(r)}/charts/{r.project()}/values-prod-{j}.yaml", text,
              [(pw, "helm/values", "database-password", "generic_password_assignment"),
               (rpw, "helm/values", "cache-password", "generic_password_assignment")])


# ------------------------------------------------------------------------------------ vendor keys


def vendor_keys(c, r):
    langs = ["env", "yaml", "python", "javascript", "go", "json", "shell", "terraform", "ruby", "php", "java", "csharp",
             "toml", "properties", "typescript", "ini"]
    n = 0
    for name in sorted(VENDORS):
        fn, rule, var = VENDORS[name]
        for j in range(2):
            value = fn(r)
            secret = SECRET_PART.get(name, lambda v: v)(value)
            lang = langs[n % len(langs)]
            n += 1
            body, ext = place_value(r, lang, var, value)
            c.add(f"{repo(r)}/vendor-keys/{name}-{j}.{ext}", body, [(secret, f"vendor-key/{name}", name, rule)])


def pastes(c, r):
    """Keys pasted into notes, chat exports and tickets, with the vendor named nearby."""
    names = ["slack-bot", "stripe-secret", "openai-project", "github-fine-grained", "sendgrid", "twilio-auth-token",
             "datadog-api", "anthropic", "huggingface", "npm"]
    for j, name in enumerate(names):
        fn, rule, var = VENDORS[name]
        value = fn(r)
        vendor = name.split("-")[0].capitalize()
        form = j % 3
        if form == 0:
            text = (f"# Onboarding notes\n\n- VPN: ask IT\n- {vendor} ({var.lower()}) for the staging account: "
                    f"`{value}`\n- Ask {r.user()} for the rest\n")
            path = f"notes/{r.user()}/onboarding-{j}.md"
        elif form == 1:
            msgs = [{"user": r.user(), "ts": f"17000{r.int(10000, 99999)}.000100",
                     "text": "can someone send the token?"},
                    {"user": r.user(), "ts": f"17000{r.int(10000, 99999)}.000200",
                     "text": f"here is the {vendor} one: {value}"}]
            text = json.dumps(msgs, indent=2)
            path = f"exports/slack/{r.pick(['dev', 'ops', 'random'])}/2024-0{j % 9 + 1}-1{j % 10}.json"
        else:
            text = (f"Ticket OPS-{r.int(1000, 9999)}: deploy fails\n\nSteps: set {var}={value} and run ./deploy.sh\n"
                    "Expected: green build\n")
            path = f"tickets/OPS-{j}.txt"
        secret = SECRET_PART.get(name, lambda v: v)(value)
        c.add(path, text, [(secret, "paste/" + ["markdown-note", "chat-export", "ticket"][form], name, rule)])


# -------------------------------------------------------------------------------------- near misses


def near_misses(c, r):
    placeholders = ["changeme", "<password>", "${DB_PASSWORD}", "xxxxxxxxxxxx", "your-api-key-here", "********",
                    "{{ db_password }}", "%(DB_PASSWORD)s", "REPLACE_ME", "<your-token>", "TODO", "$DB_PASS",
                    "password", "secret", "example", "dummy", "<insert token>", "${{ secrets.API_TOKEN }}"]
    # Templates and placeholders in every syntax.
    for k, lang in enumerate(LANGS):
        ph = placeholders[k % len(placeholders)]
        name = ["PASSWORD", "API_KEY", "CLIENT_SECRET", "AUTH_TOKEN"][k % 4]
        body, ext = place_value(r, lang, name, ph)
        c.add(f"templates/settings-{lang}.{ext}", body, near_miss=True)
    c.add("templates/.env.example", "\n".join([
        "# Copy to .env and fill in", "APP_ENV=development", "DB_HOST=localhost", "DB_USERNAME=app",
        "DB_PASSWORD=", "SESSION_SECRET=changeme", "STRIPE_SECRET_KEY=sk_live_your_key_here",
        "GITHUB_TOKEN=ghp_your_token_here", "OPENAI_API_KEY=<your-openai-key>", "SLACK_BOT_TOKEN=xoxb-your-bot-token",
        "DATABASE_URL=postgres://user:password@localhost:5432/app", "REDIS_URL=redis://localhost:6379/0"]),
          near_miss=True)
    c.add("templates/.env.sample", "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=${API_KEY:?set it}\nAWS_SECRET_ACCESS_KEY=\n"
          "AWS_ACCESS_KEY_ID=\n", near_miss=True)
    c.add("templates/netrc.template", "machine api.example.com\n  login <username>\n  password <password>\n",
          near_miss=True)
    c.add("templates/pgpass.sample", "# hostname:port:database:username:password\nlocalhost:5432:*:postgres:changeme\n",
          near_miss=True)
    c.add("templates/my.cnf.dist", "[client]\nuser = root\npassword = \nhost = localhost\n", near_miss=True)
    c.add("templates/wp-config-sample.php", "<?php\ndefine( 'DB_NAME', 'database_name_here' );\n"
          "define( 'DB_USER', 'username_here' );\ndefine( 'DB_PASSWORD', 'password_here' );\n"
          "define( 'AUTH_KEY',         'put your unique phrase here' );\n"
          "define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );\n", near_miss=True)
    c.add("templates/docker-compose.override.yml", "services:\n  db:\n    environment:\n"
          "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-changeme}\n      POSTGRES_USER: ${POSTGRES_USER}\n",
          near_miss=True)
    c.add("templates/kubeconfig.tmpl", "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n"
          "    token: ${KUBE_TOKEN}\n    client-key-data: <base64-encoded-key>\n", near_miss=True)
    c.add("templates/settings.xml", "<settings>\n  <servers>\n    <server>\n      <id>releases</id>\n"
          "      <username>${env.MAVEN_USER}</username>\n      <password>${env.MAVEN_PASSWORD}</password>\n"
          "    </server>\n  </servers>\n</settings>\n", near_miss=True)
    c.add("templates/aws-credentials.example", "[default]\naws_access_key_id = YOUR_ACCESS_KEY_ID\n"
          "aws_secret_access_key = YOUR_SECRET_ACCESS_KEY\n", near_miss=True)
    c.add("templates/values.yaml", "postgresql:\n  auth:\n    password: \"\"\n    existingSecret: db-credentials\n"
          "redis:\n  auth:\n    password: {{ .Values.redisPassword | quote }}\n", near_miss=True)
    c.add("templates/secret.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\nstringData:\n"
          "  DB_PASSWORD: {{ .Values.db.password | quote }}\n  API_KEY: \"<set me>\"\n", near_miss=True)
    c.add("templates/ansible-vars.yml", "db_password: \"{{ vault_db_password }}\"\napi_token: \"{{ lookup('env', "
          "'API_TOKEN') }}\"\n", near_miss=True)
    c.add("templates/curl-example.sh", "#!/bin/sh\n"
                                       "curl -u \"$API_USER:$API_PASSWORD\" https://api.example.com/v1/ping\n"
          "curl -H \"Authorization: Bearer $TOKEN\" https://api.example.com/v1/me\n"
          "curl -H 'Authorization: Bearer <token>' https://api.example.com/v1/me\n", near_miss=True)
    c.add("templates/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", near_miss=True)
    c.add("templates/.pypirc", "[pypi]\nusername = __token__\npassword = <your PyPI token>\n", near_miss=True)
    c.add("templates/docker-config.json", json.dumps({"auths": {"https://index.docker.io/v1/": {}},
                                                      "credsStore": "desktop"}, indent=2), near_miss=True)

    # Documentation with documented example keys (the vendors' own published examples or obvious fillers).
    c.add("docs/aws-quickstart.md", "# AWS setup\n\nConfigure the CLI:\n\n```\n$ aws configure\n"
          "AWS Access Key ID [None]: AKIAIOSFODNN7EXAMPLE\n"
          "AWS Secret Access Key [None]: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
          "Default region name [None]: us-west-2\n"
          "```\n", near_miss=True)
    c.add("docs/connection-strings.md", "Connection URIs look like `postgresql://user:password@host:5432/dbname` or "
          "`mongodb+srv://<username>:<password>@cluster0.example.mongodb.net/`.\n\n"
          "For Redis use `redis://:password@localhost:6379/0`.\n", near_miss=True)
    c.add("docs/tokens.md", "GitHub personal access tokens start with `ghp_`, e.g. "
          "`ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX`.\n"
          "Slack bot tokens look like `xoxb-1234-5678-abcdef`.\nStripe secret keys start with `sk_live_` "
          "(test keys `sk_test_`).\n", near_miss=True)
    c.add("docs/jwt.md", "A JWT has three parts: `header.payload.signature`, for example "
          "`eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.<payload>.<signature>`.\n", near_miss=True)
    c.add("docs/keys.md", "Generate a key with `ssh-keygen -t ed25519`. The file starts with\n\n```\n"
          "-----BEGIN OPENSSH PRIVATE KEY-----\n...\n-----END OPENSSH PRIVATE KEY-----\n```\n", near_miss=True)
    c.add("docs/basic-auth.md", "Send `Authorization: Basic <base64 of user:password>` on every request.\n",
          near_miss=True)
    c.add("docs/htpasswd.md", "Create the file with `htpasswd -c /etc/nginx/.htpasswd alice`; each line is "
          "`user:hash`.\n", near_miss=True)

    # Code that reads secrets from the environment or a secret store.
    c.add("code/settings.py", "import os\n\nSECRET_KEY = os.environ[\"DJANGO_SECRET_KEY\"]\n"
          "DATABASES = {'default': {'PASSWORD': os.getenv('DB_PASSWORD', '')}}\n"
          "STRIPE_KEY = os.environ.get(\"STRIPE_SECRET_KEY\")\n", near_miss=True)
    c.add("code/config.js", "module.exports = {\n  dbPassword: process.env.DB_PASSWORD,\n"
          "  apiKey: process.env.API_KEY || '',\n  slackToken: process.env.SLACK_BOT_TOKEN,\n};\n", near_miss=True)
    c.add("code/config.go", "package config\n\nimport \"os\"\n\nvar (\n\tPassword = os.Getenv(\"DB_PASSWORD\")\n"
          "\tAPIKey   = os.Getenv(\"API_KEY\")\n)\n", near_miss=True)
    c.add("code/Config.java", "class Config {\n  static String password() { return System.getenv(\"DB_PASSWORD\"); }\n"
          "  static final String PASSWORD_PROPERTY = \"spring.datasource.password\";\n}\n", near_miss=True)
    c.add("code/Config.cs", "var password = Environment.GetEnvironmentVariable(\"DB_PASSWORD\");\n"
          "var conn = $\"Server=db;Database=shop;User Id=app;Password={password};\";\n", near_miss=True)
    c.add("code/config.php", "<?php\ndefine('DB_PASSWORD', getenv('DB_PASSWORD'));\n$apiKey = $_ENV['API_KEY'];\n",
          near_miss=True)
    c.add("code/config.rb", "Rails.application.configure do\n"
                            "  config.secret_key_base = ENV.fetch(\"SECRET_KEY_BASE\")\n"
          "  config.db_password = Rails.application.credentials.dig(:db, :password)\nend\n", near_miss=True)
    c.add("code/vault.py", "import hvac\nclient = hvac.Client(url=VAULT_ADDR, token=read_token_file())\n"
          "password = client.secrets.kv.read_secret_version(path='db')['data']['data']['password']\n", near_miss=True)
    c.add("code/workflow.yml", "jobs:\n  deploy:\n    env:\n      DB_PASSWORD: ${{ secrets.DB_PASSWORD }}\n"
          "      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n    steps:\n      - run: echo \"::add-mask::$DB_PASSWORD\"\n",
          near_miss=True)
    c.add("code/Jenkinsfile", "withCredentials([usernamePassword(credentialsId: 'nexus', usernameVariable: 'USER', "
          "passwordVariable: 'PASS')]) {\n  sh 'curl -u $USER:$PASS https://nexus.internal/'\n}\n", near_miss=True)
    c.add("code/password_policy.py", "MIN_PASSWORD_LENGTH = 12\nPASSWORD_FIELD = \"password\"\n"
          "def check(password: str) -> bool:\n    return len(password) >= MIN_PASSWORD_LENGTH\n", near_miss=True)
    c.add("code/login_form.html", "<form method=\"post\">\n  <input type=\"password\" name=\"password\" "
          "placeholder=\"Password\" autocomplete=\"current-password\">\n</form>\n", near_miss=True)

    # Test vectors, hashes, ids and public material that look random but are no secret.
    c.add("vectors/sha256.txt", "sha256(\"abc\") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
          "sha256(\"\") = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n", near_miss=True)
    for j in range(4):
        ids = "\n".join(f"{r.uuid()},{r.hex(40)},{r.int(1, 999)}" for _ in range(8))
        c.add(f"vectors/ids-{j}.csv", "request_id,commit,count\n" + ids, near_miss=True)
    for j in range(3):
        lines = "\n".join(f"{r.hex(64)}  dist/{r.project()}-{j}.{k}.tar.gz" for k in range(5))
        c.add(f"vectors/SHA256SUMS-{j}", lines, near_miss=True)
    for j in range(3):
        integ = {"name": r.project(), "version": f"1.{j}.0", "dist": {"integrity": "sha512-" + r.b64(64),
                                                                     "shasum": r.hex(40)}}
        c.add(f"vectors/package-meta-{j}.json", json.dumps(integ, indent=2), near_miss=True)
    for j in range(3):
        c.add(f"vectors/index-{j}.html", f"<script src=\"https://cdn.{r.org()}.internal/app.js\" integrity=\"sha384-"
              f"{r.b64(48)}\" crossorigin=\"anonymous\"></script>\n", near_miss=True)
    for j in range(3):
        c.add(f"public/authorized_keys-{j}", "\n".join(f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{r.b64(32)[:43]} "
                                                       f"{r.user()}@laptop" for _ in range(3)), near_miss=True)
    for j in range(3):
        c.add(f"public/cert-{j}.pem", pem_text(r, "CERTIFICATE", 900), near_miss=True)
        c.add(f"public/key-{j}.pub", pem_text(r, "PUBLIC KEY", 294), near_miss=True)
    c.add("vectors/shadow-locked", "root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nnobody:!:19700::::::\n",
          near_miss=True)
    c.add("vectors/git-log.txt", "\n".join(f"commit {r.hex(40)}\nAuthor: {r.user()} <{r.user()}@{r.org()}.internal>\n"
                                           "\n    fix the build\n" for _ in range(5)), near_miss=True)
    c.add("vectors/masked.log", "2024-03-01 INFO login user=alice password=******** token=[REDACTED]\n"
          "2024-03-01 INFO connect postgres://app:****@db:5432/app\n", near_miss=True)
    c.add("vectors/go.mod.sum.txt", "\n".join(f"github.com/{r.org()}/{r.project()} v1.{k}.0 h1:{r.b64(32)}"
                                                for k in range(5)), near_miss=True)


# ------------------------------------------------------------------------------- encoded secrets


def encoded_leaks(c, r):
    """Secrets that only decoding finds (issue 20): base64 of a credentials file in an
    environment variable, a PowerShell -EncodedCommand (base64 of UTF-16LE), a UTF-16 registry
    export, a quoted-printable mail body, a percent-encoded URL in an access log, JSON with
    escaped slashes, a hex-encoded value and a base64 file wrapped at 76 columns. Each is
    expected at its encoded span's start, with its chain of decoders."""
    def b64(text):
        return base64.b64encode(text.encode() if isinstance(text, str) else text).decode()

    for j in range(3):
        kid, secret = aws_key_id(r), aws_secret(r)
        blob = b64(f"[default]\naws_access_key_id = {kid}\naws_secret_access_key = {secret}\nregion = eu-west-1\n")
        text = (f"APP_ENV=production\nAWS_CREDENTIALS_FILE_B64={blob}\nLOG_LEVEL=info\n")
        shape = "encoded/env-base64-credentials-file"
        c.add_encoded(f"{repo(r)}/deploy/.env.production", text,
                      [(kid, blob, ["base64"], shape, "aws-key-id", "aws_access_key_id"),
                       (secret, blob, ["base64"], shape, "aws-secret", "aws_secret_access_key")])

    for j in range(3):
        tok = VENDORS["github-classic-pat"][0](r)
        script = (f"$env:GITHUB_TOKEN = '{tok}'\r\n"
                  f"git clone https://github.com/{r.org()}/{r.project()}.git C:\\build\\src\r\n")
        blob = b64(script.encode("utf-16-le"))
        text = (f"@echo off\r\nrem nightly checkout on the build agent\r\n"
                f"powershell.exe -NoProfile -NonInteractive -EncodedCommand {blob}\r\n")
        c.add_encoded(f"{repo(r)}/ci/windows/checkout.cmd", text,
                      [(tok, blob, ["base64", "utf-16le"], "encoded/powershell-encoded-command", "github-token",
                        "github_classic_pat")])

    for j in range(3):
        tok = VENDORS["slack-bot"][0](r)
        app = r.pick(["Notifier", "ReleaseBot", "AlertBridge"])
        body = (f"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\{r.org()}\\{app}]\r\n"
                f"\"Channel\"=\"#ops-{r.project()}\"\r\n\"SlackToken\"=\"{tok}\"\r\n\"Enabled\"=dword:00000001\r\n")
        data = b"\xff\xfe" + body.encode("utf-16-le")
        c.add_encoded(f"exports/{app.lower()}-{j}.reg", data,
                      [(tok, body.encode("utf-16-le"), ["utf-16le"], "encoded/utf16-registry-export", "slack-token",
                        "slack_bot_token")])

    for j in range(3):
        key = VENDORS["stripe-secret"][0](r)
        line = f"STRIPE_SECRET_KEY=3D{key}"  # "=" itself is written =3D
        # Quoted-printable: lines of at most 76 characters, soft breaks ("=" at a line end).
        wrapped = "=\r\n".join(line[k:k + 75] for k in range(0, len(line), 75))
        user = r.user()
        text = (f"From: {user}@{r.org()}.example\r\nTo: ops@{r.org()}.example\r\nSubject: new keys for billing\r\n"
                f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Transfer-Encoding: quoted-printable\r\n\r\nHere is the new live key, rotate the old one =\r\n"
                f"today:\r\n\r\n{wrapped}\r\n\r\nThanks=2C\r\n{user}\r\n")
        c.add_encoded(f"{home(r)}/Mail/sent/{j + 1}.eml", text,
                      [(key, wrapped, ["quoted-printable"], "encoded/quoted-printable-mail", "stripe-key",
                        "stripe_live_secret_key")])

    for j in range(3):
        hook = VENDORS["slack-webhook"][0](r)
        quoted = hook.replace(":", "%3A").replace("/", "%2F")
        ip = f"10.{r.int(0, 255)}.{r.int(0, 255)}.{r.int(1, 254)}"
        text = (f"{ip} - - [12/Mar/2026:10:{r.int(10, 59)}:{r.int(10, 59)} +0000] \"GET /healthz HTTP/1.1\" 200 2\n"
                f"{ip} - - [12/Mar/2026:10:{r.int(10, 59)}:{r.int(10, 59)} +0000] "
                f"\"GET /integrations/save?kind=slack&url={quoted}&channel=%23alerts HTTP/1.1\" 302 0\n")
        # A percent-encoded span is the whole request target it lies in.
        c.add_encoded(f"srv/logs/nginx/access-{j}.log", text,
                      [(hook, f"/integrations/save?kind=slack&url={quoted}", ["percent"], "encoded/percent-encoded-url", "slack-webhook",
                        "slack_webhook_url")])

    for j in range(3):
        hook = VENDORS["slack-webhook"][0](r)
        escaped = hook.replace("/", "\\/")
        text = (f'{{"id":{r.int(100, 999)},"name":"alerts","settings":{{"webhook_url":"{escaped}",'
                f'"username":"deploy-bot","icon_emoji":":rocket:"}}}}\n')
        c.add_encoded(f"{repo(r)}/storage/app/integrations-{j}.json", text,
                      [(hook, escaped, ["escape"], "encoded/json-escaped-slashes", "slack-webhook",
                        "slack_webhook_url")])

    for j in range(2):
        tok = VENDORS["gitlab-pat"][0](r)
        hexed = tok.encode().hex()
        text = f"[remote]\nurl = https://gitlab.{r.org()}.example\n# stored hex-encoded by the setup script\ntoken_hex = {hexed}\n"
        c.add_encoded(f"{home(r)}/.config/{r.project()}/remote.ini", text,
                      [(tok, hexed, ["hex"], "encoded/hex-value", "gitlab-token", "gitlab_pat")])

    for j in range(2):
        tok = VENDORS["slack-bot"][0](r)
        npm = VENDORS["npm"][0](r)
        doc = json.dumps({"service": r.project(), "slack": {"bot_token": tok, "channel": "#deploys"},
                          "npm": {"registry": "https://registry.npmjs.org/", "token": npm}}, indent=2)
        blob = base64.encodebytes(doc.encode()).decode()  # wrapped at 76 columns
        c.add_encoded(f"{repo(r)}/secrets/ci-secrets.json.b64", blob,
                      [(tok, blob[:76], ["base64"], "encoded/base64-file-wrapped", "slack-token", "slack_bot_token"),
                       (npm, blob[:76], ["base64"], "encoded/base64-file-wrapped", "npm-token", "npm_access_token")])


# ----------------------------------------------------------------------------------------- driver


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "leaks")
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--out", default=here)
    ap.add_argument("--expected", default=None, help="default: OUT/../<basename of OUT>.expected.jsonl")
    args = ap.parse_args()
    if args.expected is None:
        out = os.path.abspath(args.out)
        args.expected = os.path.join(os.path.dirname(out), os.path.basename(out) + ".expected.jsonl")
    c = Corpus(args.out)
    r = Rand(args.seed)
    for fn, count in CREDENTIAL_FILES:
        for i in range(count):
            fn(c, r, i)
    ctx_connection_uris(c, r)
    ctx_curl(c, r)
    ctx_auth_headers(c, r)
    ctx_assignments(c, r)
    ctx_jwt(c, r)
    pem_shapes(c, r)
    ci_files(c, r)
    notebooks(c, r)
    logs(c, r)
    k8s_and_helm(c, r)
    vendor_keys(c, r)
    pastes(c, r)
    near_misses(c, r)
    encoded_leaks(c, r)
    c.write(args.expected)
    leak_files = sum(1 for p in c.files if not p.startswith("near-miss/"))
    print(f"{leak_files} leak files, {len(c.files) - leak_files} near-miss files, {len(c.expected)} expected secrets")


if __name__ == "__main__":
    main()
