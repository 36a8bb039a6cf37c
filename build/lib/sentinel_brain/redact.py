"""Secret redaction and sanitizing for failure text, logs and structured evidence.

`redact(text)` replaces credentials with `[REDACTED:kind]` markers. No line is added or
removed, so line numbers in a traceback or log keep pointing at the same lines; apart from
the masked values, the only change is `sanitize()`: bidirectional control characters
(which can make a line display as something it is not) are dropped. `redact_data(obj)` does
the same recursively over dicts, lists, tuples, strings and pydantic models, and masks the
whole value of any key that names a secret (`{"password": "hunter2"}` ->
`{"password": "[REDACTED:password]"}`).

What is recognised (the public rule sets of gitleaks and detect-secrets served as the
checklist):

- tokens that are recognisable on their own: cloud keys (AWS, GCP, Azure AD client
  secrets, Alibaba), SaaS tokens (GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic,
  Hugging Face, Twilio, SendGrid, npm, PyPI, Databricks, Heroku, DigitalOcean, Shopify,
  Vault, Grafana, Atlassian, Doppler, Postman, Pulumi, Linear, New Relic, Sentry, ...),
  JWTs, webhooks with a secret path, PEM private keys;
- `key <sep> value` where the key names a secret, in every common syntax: env/ini/logfmt
  (`PASSWORD=x`), YAML (`password: x`), JSON (`"password": "x"`, also escaped), Python
  reprs, XML elements (`<password>x</password>`), Hadoop-style name/value pairs
  (`<name>db.password</name><value>x</value>`, `{"name": "DB_PASSWORD", "value": "x"}`),
  URL query parameters (`?token=x&sig=y`), connection strings (`Password=x;`, ODBC
  `Pwd={x}`), command lines (`--password x`, `--password="x"`, `['--password', 'x']`,
  `mysql -px`, `sshpass -p x`, `curl -u user:x`), Oracle's `user/x@service` (JDBC thin,
  sqlplus) and `.netrc` lines;
- passwords in URL userinfo (`scheme://user:pass@host`, also with `/`, `@` or `:` inside);
- HTTP credentials: `Authorization:` headers, bare `Bearer`/`Basic` credentials, cookies.

Linear time on any input: every pattern is either a run of one character class (scanned
possessively, so it is never re-scanned), or bounded repetition, and no pattern can start
inside a run that it would re-scan from every position. Matches that overlap text already
masked are skipped before any further work.

Not recognised: generic high-entropy strings with no telling key or prefix (detect-secrets'
entropy plugins; too many false positives on ids and hashes), YAML block scalars
(`password: |` and the lines below), and `-p` for commands other than mysql/sshpass (for
psql it is the port).

Speed: a literal prefilter (a trie over lower-cased triggers) finds the lines that could
hold a secret; only those lines go through the token alternation (when a token trigger is
present) and the combined key/value pattern (one compiled alternation). Two whole-text
passes handle the multi-line shapes (PEM blocks, name/value pairs), each behind a cheap
check. `bench/redact_speed.py` prints the throughput and the false-positive rate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

MARK = "[REDACTED:{}]"
_MARK_PREFIX = "[REDACTED"

T = TypeVar("T")

Match = re.Match[str]


def _mark(kind: str) -> str:
    return MARK.format(kind)


# --- Sanitizing ------------------------------------------------------------------------
# Bidirectional controls (embeddings, overrides, isolates, marks) let a line render in an
# order other than its bytes ("Trojan Source"); untrusted text loses them before display.
_BIDI_CHARS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = {ord(c): None for c in _BIDI_CHARS}


def sanitize(text: str) -> str:
    """Drop bidirectional control characters (U+202A-E, U+2066-9, U+200E/F, U+061C)."""
    return text.translate(_BIDI_TABLE)


# --- Tokens that are secrets on their own ------------------------------------------------
# (pattern, kind). Patterns are case-sensitive, start at a word boundary and have bounded
# repetition only, so a failed attempt costs a bounded number of steps.
_B = r"(?<![A-Za-z0-9_])"  # token start: not in the middle of a word
_E = r"(?![A-Za-z0-9_])"  # token end
_TOKEN_RULES: list[tuple[str, str]] = [
    (
        _B + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA)"
        r"[A-Z0-9]{16}" + _E,
        "aws_access_key_id",
    ),
    (_B + r"AIza[0-9A-Za-z_\-]{35}", "google_api_key"),
    (_B + r"GOCSPX-[0-9A-Za-z_\-]{20,64}", "google_oauth_secret"),
    (_B + r"ya29\.[0-9A-Za-z_\-]{20,2048}", "google_oauth_token"),
    (_B + r"1//0[0-9A-Za-z_\-]{30,512}", "google_oauth_token"),
    (
        r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_\-]{8,512}",
        "slack_webhook",
    ),
    (
        r"https?://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/"
        r"[A-Za-z0-9_\-]{20,128}",
        "webhook",
    ),
    (
        r"https?://[A-Za-z0-9\-]{1,64}\.webhook\.office\.com/webhookb2/[^\s\"'<>]{10,1024}",
        "webhook",
    ),
    (_B + r"xox[abeposr]-[0-9A-Za-z\-]{8,255}", "slack_token"),
    (_B + r"xoxe\.xox[bp]-[0-9A-Za-z\-]{8,255}", "slack_token"),
    (_B + r"xapp-[0-9]-[0-9A-Za-z\-]{8,255}", "slack_token"),
    (_B + r"gh[pousr]_[A-Za-z0-9]{20,255}" + _E, "github_token"),
    (_B + r"github_pat_[A-Za-z0-9_]{20,255}", "github_token"),
    (
        _B + r"gl(?:pat|dt|ptt|rt|soat|cbt|ft|imt|agent|oas|ffct|wt)-[0-9A-Za-z_\-]{20,255}",
        "gitlab_token",
    ),
    (_B + r"GR1348941[0-9A-Za-z_\-]{20,64}", "gitlab_token"),
    (_B + r"hv[sbr]\.[0-9A-Za-z_\-]{20,512}", "vault_token"),
    (_B + r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{10,255}", "stripe_key"),
    (_B + r"whsec_[0-9A-Za-z+/=]{16,255}", "stripe_webhook_secret"),
    # OpenAI (sk-, sk-proj-, sk-svcacct-, sk-admin-) and Anthropic (sk-ant-...). Real keys
    # mix digits and capitals; requiring both keeps `sk-learn-compatible-wrapper` intact.
    (
        r"(?<![A-Za-z0-9_\-])sk-(?=[A-Za-z0-9_\-]{0,255}?[0-9])(?=[A-Za-z0-9_\-]{0,255}?[A-Z])"
        r"[A-Za-z0-9_\-]{16,255}",
        "api_key",
    ),
    (_B + r"hf_[A-Za-z0-9]{30,64}" + _E, "huggingface_token"),
    (_B + r"SK[0-9a-fA-F]{32}" + _E, "twilio_api_key"),
    (_B + r"SG\.[0-9A-Za-z_\-]{16,32}\.[0-9A-Za-z_\-]{16,64}", "sendgrid_api_key"),
    (_B + r"npm_[A-Za-z0-9]{36}" + _E, "npm_token"),
    (_B + r"pypi-AgE[A-Za-z0-9_\-]{16,512}", "pypi_token"),
    (_B + r"dapi[0-9a-f]{32}(?:-[0-9])?" + _E, "databricks_token"),
    (_B + r"HRKU-[0-9A-Za-z_\-]{20,128}", "heroku_api_key"),
    (_B + r"do[opr]_v1_[0-9a-f]{64}" + _E, "digitalocean_token"),
    (_B + r"shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}" + _E, "shopify_token"),
    (_B + r"ATATT3[0-9A-Za-z_\-=]{20,255}", "atlassian_token"),
    (_B + r"glc_[A-Za-z0-9+/]{32,255}={0,2}", "grafana_token"),
    (_B + r"glsa_[A-Za-z0-9]{32}_[0-9a-fA-F]{8}" + _E, "grafana_token"),
    (_B + r"dp\.(?:pt|st|ct|sa|scim|audit)\.[A-Za-z0-9]{20,64}", "doppler_token"),
    (_B + r"PMAK-[0-9a-f]{24}-[0-9a-f]{34}" + _E, "postman_api_key"),
    (_B + r"pul-[0-9a-f]{40}" + _E, "pulumi_token"),
    (_B + r"lin_api_[0-9A-Za-z]{40}" + _E, "linear_api_key"),
    (_B + r"NRAK-[0-9A-Z]{27}" + _E, "newrelic_api_key"),
    (_B + r"sntry[su]_[0-9A-Za-z+/=_]{40,512}", "sentry_token"),
    (_B + r"AGE-SECRET-KEY-1[0-9A-Z]{58}" + _E, "age_secret_key"),
    (_B + r"dt0c01\.[0-9A-Z]{24}\.[0-9A-Z]{64}" + _E, "dynatrace_token"),
    (_B + r"sq0(?:atp|csp)-[0-9A-Za-z_\-]{22,64}", "square_token"),
    (_B + r"LTAI[0-9A-Za-z]{20}" + _E, "alibaba_access_key"),
    (_B + r"[0-9a-z]{14}\.atlasv1\.[0-9A-Za-z_\-=]{60,70}", "terraform_token"),
    # Azure AD (Entra) client secrets: three characters, a digit, "Q~", then 31-34.
    (r"(?<![\w~.\-])[\w~.\-]{3}[0-9]Q~[\w~.\-]{31,34}(?![\w~.\-])", "azure_client_secret"),
    (_B + r"(?:pub)?key-[0-9a-f]{32}" + _E, "mailgun_api_key"),
    (
        _B + r"A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})(?:-[A-Z0-9]{5}){3}" + _E,
        "1password_secret_key",
    ),
    (_B + r"ops_eyJ[A-Za-z0-9+/]{100,4096}={0,3}", "1password_token"),
    (_B + r"AKCp[A-Za-z0-9]{69}" + _E, "artifactory_api_key"),
    (_B + r"cmVmd[A-Za-z0-9]{59}" + _E, "artifactory_token"),
    (_B + r"ABSK[A-Za-z0-9+/]{109,269}={0,2}", "aws_bedrock_api_key"),
    (
        _B + r"bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%]{0,4096}",
        "aws_bedrock_api_key",
    ),
    (_B + r"4b1d[A-Za-z0-9]{38}" + _E, "clickhouse_secret"),
    (_B + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}" + _E, "cloudflare_origin_ca_key"),
    (_B + r"duffel_(?:test|live)_[A-Za-z0-9_\-=]{43}", "duffel_token"),
    (_B + r"EZ[AT]K[A-Za-z0-9]{54}" + _E, "easypost_token"),
    (_B + r"EAA[MC][A-Za-z0-9]{100,1024}" + _E, "facebook_token"),
    (_B + r"EAAA[A-Za-z0-9_\-]{22,60}", "square_token"),
    (_B + r"FLWSECK(?:_TEST)?-[a-h0-9]{32}-X", "flutterwave_secret_key"),
    (_B + r"fo1_[A-Za-z0-9_\-]{43}", "flyio_token"),
    (_B + r"fm[12][ar]?_[A-Za-z0-9+/]{100,4096}={0,3}", "flyio_token"),
    (_B + r"fio-u-[A-Za-z0-9_\-=]{64}", "frameio_token"),
    (
        _B + r"(?:pat|sat)\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}" + _E,
        "harness_api_key",
    ),
    (_B + r"api_org_[A-Za-z]{34}" + _E, "huggingface_token"),
    (_B + r"ico-[A-Za-z0-9]{32}" + _E, "infracost_token"),
    (_B + r"ntn_[0-9]{11}[A-Za-z0-9]{35}" + _E, "notion_token"),
    (_B + r"sha256~[A-Za-z0-9_\-]{43}", "openshift_token"),
    (_B + r"pplx-[A-Za-z0-9]{48}" + _E, "perplexity_api_key"),
    (_B + r"pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.\-]{32,64}", "planetscale_token"),
    (_B + r"pnu_[A-Za-z0-9]{36}" + _E, "prefect_token"),
    (_B + r"rdme_[a-z0-9]{70}" + _E, "readme_token"),
    (_B + r"rubygems_[a-f0-9]{48}" + _E, "rubygems_token"),
    (_B + r"tk-us-[A-Za-z0-9_\-]{48}", "scalingo_token"),
    (_B + r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" + _E, "sendinblue_token"),
    (_B + r"sm_[aps]at_[A-Za-z0-9]{16}" + _E, "settlemint_token"),
    (_B + r"shippo_(?:live|test)_[a-fA-F0-9]{40}" + _E, "shippo_token"),
    (_B + r"sgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}" + _E, "sourcegraph_token"),
    (_B + r"_gitlab_session=[0-9a-z]{32}" + _E, "gitlab_session"),
    (_B + r"s-s4t2(?:ud|af)-[0-9a-f]{64}" + _E, "intra42_secret"),
    (_B + r"p8e-[A-Za-z0-9]{32}" + _E, "adobe_client_secret"),
    (
        _B + r"eyJ[A-Za-z0-9_\-]{8,4096}\.[A-Za-z0-9_\-]{8,8192}\.[A-Za-z0-9_\-]{8,4096}",
        "jwt",
    ),
]

# Every token rule must be reachable through one of these lower-cased triggers:
# (literal prefix, regex tail).
_TOKEN_TRIGGERS: list[tuple[str, str]] = [
    *(
        (w, "")
        for w in (
            "aiza gocspx- ya29. 1//0 hooks.slack.com discord webhook.office.com xox xapp-"
            " github_pat_ gr1348941 sk_live_ sk_test_ rk_live_ rk_test_ pk_live_ pk_test_"
            " whsec_ sk- npm_ pypi- dapi hrku- atatt3 dp.pt. dp.st. dp.ct. dp.sa. dp.scim."
            " dp.audit. pmak- lin_api_ nrak- sntry age-secret-key dt0c01. sq0 atlasv1 q~ eyj"
            " ops_ akcp cmvmd absk bedrock-api-key v1.0- duffel_ ezak eztk eaaa eaam eaac"
            " flwseck fo1_ fm1_ fm1a_ fm1r_ fm2_ fm2a_ fm2r_ fio-u- api_org_ ntn_ sha256~"
            " pplx- pscale_ pnu_ rdme_ rubygems_ tk-us- xkeysib- sm_aat_ sm_pat_ sm_sat_"
            " shippo_ sgp_ _gitlab_session= glpat- gldt- glptt- glrt- glsoat- glcbt- glft-"
            " glimt- glagent- gloas- glffct- glwt- ghp_ gho_ ghu_ ghs_ ghr_ hvs. hvb. hvr."
            " doo_v1_ dop_v1_ dor_v1_ shpat_ shpca_ shppa_ shpss_ s-s4t2 p8e-"
        ).split()
    ),
    # Short prefixes that also occur inside ordinary words and ids: with their tails.
    *(
        (w, "[a-z0-9]{16}")
        for w in "a3t akia asia abia acca agpa aida aipa anpa anva aroa apka".split()
    ),
    ("4b1d", "[a-z0-9]{38}"),
    ("sk", "[0-9a-f]{32}"),
    ("a3-", "[a-z0-9]{6}-"),
    ("pat.", r"[a-z0-9_\-]{22}\."),
    ("sat.", r"[a-z0-9_\-]{22}\."),
    ("sg.", r"[a-z0-9_\-]{16}"),
    ("ico-", "[a-z0-9]{32}"),
    ("key-", "[0-9a-f]{32}"),
    ("pubkey-", "[0-9a-f]{32}"),
    ("hf_", "[a-z0-9]{30}"),
    ("pul-", "[0-9a-f]{40}"),
    ("ltai", "[a-z0-9]{20}"),
]

# --- Keys that name a secret -------------------------------------------------------------
# The key must END with one of these words (`DB_PASSWORD`, `slack_bot_token`,
# `SecretAccessKey`), so `token_bucket`, `max_tokens` or `password_policy` stay intact.
_SEP = r"[_.\-]?"
_SECRET_WORDS = (
    rf"password|passwd|passphrase|pwd|pass|secret|token|api{_SEP}key|access{_SEP}key"
    rf"|private{_SEP}key|secret{_SEP}key|auth{_SEP}key|credentials?|session{_SEP}key|cookie"
    rf"|account{_SEP}key|shared{_SEP}access{_SEP}key|master{_SEP}key|signing{_SEP}key"
    rf"|encryption{_SEP}key|client{_SEP}key|app{_SEP}key|sig|signature|auth"
    rf"|private{_SEP}key{_SEP}id|access{_SEP}key{_SEP}id|connection{_SEP}string"
)
_KEY_END_RE = re.compile(rf"(?:{_SECRET_WORDS})$", re.IGNORECASE)
# Keys that carry a secret in their middle: Hadoop's `fs.azure.account.key.<host>`.
_KEY_INNER_RE = re.compile(
    rf"(?:^|[_.\-])(?:account{_SEP}key|sas{_SEP}token|secret{_SEP}key)[_.\-]", re.IGNORECASE
)
# Keys so short or generic that only a credential-looking value makes them a secret.
_WEAK_KEYS = frozenset({"pass", "auth", "sig", "signature", "cookie", "token", "secret"})
# In structured data (dicts, models) the key is unambiguous, except for these; and a bare
# `signature`/`sig` field there names a rule or function signature as often as a MAC, so
# it is not masked wholesale (its text is still redacted like any other string).
_WEAK_DATA_KEYS = frozenset({"pass", "auth"})
_NOT_SECRET_DATA_KEYS = frozenset({"sig", "signature"})

# Values that are clearly not secrets: placeholders, templates, empties, booleans, status
# words, already masked.
_PLACEHOLDER_RE = re.compile(
    r"^(?:\[REDACTED.*|\$\{.*|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\{\{.*"
    r"|%s|%\([A-Za-z_0-9]*\)s|\?|:[A-Za-z_][A-Za-z0-9_]*|<[^>]*>?|\*+|x+|\.\.\.|…|-+"
    r"|null|none|nil|true|false|yes|no|on|off|undefined|redacted|hidden|masked|omitted"
    r"|required|optional|missing|empty|unset|set|not[ _-]?set|invalid|incorrect|expired"
    r"|changed|updated|rotated|ok|skipped|disabled|enabled|provided|present|absent|n/a|na"
    # type annotations in source lines (`password: str | None`) and format fields
    r"|str|bytes|int|float|bool|any|secretstr|secretbytes|optional\[.*|\{[A-Za-z_0-9.\[\]'\"]*\})$",
    re.IGNORECASE,
)
_WORDY_RE = re.compile(r"_*(?:[A-Za-z][a-z]*|[A-Z]+)(?:[_\-. ](?:[A-Za-z][a-z]*|[A-Z]+))*")
# Names, not credentials: `com.apple.xpc.activity/4505`, `android.os.BinderProxy@2bd79ce`
# (a Java object's identity), `metrics.example.com:443`.
_NAME_LIKE_RE = re.compile(
    r"[a-z][a-z0-9_\-]*+(?:[./][a-z0-9_\-]++)++[:/]?[0-9]*"
    r"|[A-Za-z_$][\w$]*+(?:\.[\w$]++)++@[0-9a-f]{1,16}"
)
# `self.api_key`, `settings.db_password`: a reference to where the secret is, in code.
_REFERENCE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
_SNAKE_RE = re.compile(r"\{[A-Za-z_]+\}|[a-z]+(?:_[a-z]+)+|[A-Z]+(?:_[A-Z]+)+")
# `jwt.exceptions.InvalidSignature: ...`: an exception class, not a config key.
_CLASS_PATH_RE = re.compile(r"(?:[a-z_][a-z0-9_]*\.)+[A-Z][A-Za-z0-9]*")
_PATH_RE = re.compile(r"(?:[~/.]|[A-Za-z]:[\\/])")


def _credential_like(value: str) -> bool:
    """True when a value looks like a credential rather than a word or a number.

    Used where the context alone is weak (`auth: ...`, a bare `Bearer ...`): at least six
    characters, not a plain word or identifier in words (`skipped`, `customer_id`,
    `Authentication`), not a short number.
    """
    v = value.strip()
    if len(v) < 6 or _PLACEHOLDER_RE.match(v):
        return False
    if v.isdigit():
        return len(v) >= 16
    return _WORDY_RE.fullmatch(v) is None and _NAME_LIKE_RE.fullmatch(v) is None


def _kind_for(key: str) -> str:
    k = key.lower()
    if "pass" in k or "pwd" in k:
        return "password"
    if "token" in k:
        return "token"
    if "api" in k and "key" in k:
        return "api_key"
    if "access" in k and "key" in k:
        return "access_key"
    if "private" in k:
        return "private_key"
    if "cookie" in k or "session" in k:
        return "cookie"
    if "credential" in k:
        return "credentials"
    if "sig" in k:
        return "signature"
    if "auth" in k:
        return "auth"
    return "secret"


def is_secret_key(key: str) -> bool:
    """True when a key names a secret: `password`, `DB_PASSWORD`, `apiKey`, `csrftoken`.

    Short words (`pass`, `pwd`, `sig`, `auth`) need a separator or a camelCase boundary
    before them, so `bypass`, `compass` or `config` are not secrets. Leading dashes and
    quotes are ignored (`--password`).
    """
    key = key.lstrip("-").strip("\"'")
    if not key or len(key) > 100:
        return False
    m = _KEY_END_RE.search(key)
    if m is None:
        return _KEY_INNER_RE.search(key) is not None
    start = m.start()
    if start == 0 or len(m.group(0)) >= 5 or key[start - 1] in "_.-":
        return True
    # camelCase (`dbPass`), not a PascalCase class name (`DagsterTypeCheckDidNotPass`).
    return key[start - 1].islower() and key[start].isupper() and not key[0].isupper()


def _is_reference(key: str, value: str) -> bool:
    """`api_key=api_key`, `self.api_key = api_key`, `token=self.token`, `"TOKEN": bot_token`,
    `PASSWORD={password}`: code or a template naming where the secret is, not the secret."""
    low = value.lower()
    if low == key or low == key.rsplit(".", 1)[-1]:
        return True
    if _REFERENCE_RE.fullmatch(value):
        return is_secret_key(value.rsplit(".", 1)[1])
    return _SNAKE_RE.fullmatch(value) is not None and is_secret_key(value)


def is_secret_value(
    key: str, value: str, *, delimited: bool = False, structured: bool = False
) -> bool:
    """Whether `value`, found under a secret-naming `key`, is a secret worth masking.

    Placeholders (`${DB_PASSWORD}`, `<your-key>`, `****`, `null`, `required`) are not.
    Weak keys (`auth`, `pass`, `sig`, bare `token`) need a credential-looking value. `pwd`
    is also the shell's working directory: a path under it is kept unless the pair sits in
    a `;`-delimited connection string (`delimited`).
    """
    v = value.strip()
    if not v or _PLACEHOLDER_RE.match(v):
        return False
    bare = key.lstrip("-").strip("\"'").lower()
    if _is_reference(bare, v):
        return False
    if bare == "pwd" and not delimited and _PATH_RE.match(v):
        return False
    if bare in (_WEAK_DATA_KEYS if structured else _WEAK_KEYS):
        return _credential_like(v)
    return True


# --- Values after a secret key (matched anchored, only once a key qualifies) --------------
_VALUE_RE = re.compile(
    r"\\\"(?P<edq>(?:[^\"\\\n]++|\\(?!\")[^\n]){0,8192}+)"  # escaped JSON: \"value\"
    r"|\"(?P<dq>(?:[^\"\\\n]++|\\[^\n]){0,8192}+)"  # "value" (with \-escapes)
    r"|'(?P<sq>[^'\n]{0,8192}+)"  # 'value'
    r"|(?P<tpl>\$\{[^}\n]{0,256}+\}|\{\{[^}\n]{0,256}+\}\}|<[^<>\n]{0,256}+>)"  # templates
    r"|\{(?P<br>(?:[^}\n]++|\}\}){0,4096}+)\}?"  # ODBC {value} with }} escapes
    r"|(?P<bare>[^\s,;&\"'`<>()\[\]{}]++)"  # bare value up to a delimiter
)
# Whitespace between a command-line flag and its value.
_FLAG_VALUE_RE = re.compile(
    r"[ \t]{1,16}+(?:\"(?P<dq>[^\"\n]{0,4096}+)|'(?P<sq>[^'\n]{0,4096}+)"
    r"|(?P<bare>[^\s\"'\-][^\s\"']*+))"
)
# The value of an argv list entry after a secret flag: `'--password', 'x'`.
_ARGV_VALUE_RE = re.compile(
    r"[ \t]{0,16}+,[ \t]{0,16}+(?:\"(?P<dq>[^\"\n]{0,4096}+)|'(?P<sq>[^'\n]{0,4096}+))"
)
# Commands whose `-p` takes a password (mysql's attached `-pSECRET`, sshpass's `-p SECRET`).
_MYSQL_RE = re.compile(r"(?<![\w\-])(?:mysql|mysqldump|mysqladmin|mysqlimport|mariadb\S*)\b")
_SSHPASS_RE = re.compile(r"(?<![\w\-])sshpass\b")
_CURL_RE = re.compile(r"(?<![\w\-])curl\b")
# `user:password` after curl's -u, optionally quoted.
_CURL_USER_RE = re.compile(
    r"[\"']?(?P<user>[^\s:\"']{1,256}+)[\"']?:[\"']?(?P<pw>[^\s\"']{0,4096}+)"
)
# Schemes whose credential is one token68 value; others (Digest, AWS4) spread over the rest.
_SINGLE_VALUE_SCHEMES = frozenset(
    {"bearer", "basic", "token", "apikey", "api-key", "api-token", "sso-key", "key", "dpop"}
)

# --- The combined line pattern -------------------------------------------------------------
# Alternatives are tried in this order at each position; the first that matches wins.
_KEYCH = r"A-Za-z0-9_.\-"
# key <sep> value, in env / YAML / JSON / logfmt / URL query / connection strings
_KV_PATTERN = (
    rf"(?P<kv>(?<![{_KEYCH}])(?P<key>[{_KEYCH}]++)"
    r"(?P<sep>\\?[\"']?[ \t]{0,16}+(?:=>|:=|[:=])(?!//)[ \t]{0,16}+))"
)
_LINE_PATTERN = "|".join(
    [
        # scheme://user:password@host (password may hold '/', ':' or '@'; the last '@'
        # that is followed by a host wins, within the same URL).
        r"(?P<url>(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,30}://"
        r"[^\s/:@'\"<>]{0,256}:(?!\d{1,5}(?:/|$))"
        r"[^\s'\"<>@]{1,256}(?:@[^\s'\"<>@?#]{1,256}){0,8}@(?=[A-Za-z0-9\[_]))",
        # Authorization / Proxy-Authorization headers, with or without a scheme.
        r"(?P<hdr>(?<![A-Za-z0-9_\-])(?i:(?:proxy-)?authorization)\\?[\"']?[ \t]{0,16}[:=]"
        r"[ \t]{0,16}\\?[\"']?)",
        # Cookie / Set-Cookie headers: the whole header value.
        r"(?P<cookie>(?<![A-Za-z0-9_\-])(?i:(?:set-)?cookie)\\?[\"']?[ \t]{0,16}:[ \t]{0,16}"
        r"\\?[\"']?)",
        # Bare credentials after an HTTP scheme word.
        r"(?P<scheme>(?<![A-Za-z0-9_\-])(?i:bearer|basic)[ \t]{1,16})",
        # argv lists: '--password', 'x'
        r"(?P<argv>(?<=[\"'])--?[A-Za-z][A-Za-z0-9_\-]{0,63}+(?=[\"']))",
        # mysql -pSECRET / sshpass -p SECRET
        r"(?P<dashp>(?<![A-Za-z0-9_\-])-p(?=[^\s\-]|[ \t]+[^\s\-]))",
        # curl -u user:password / --user user:password
        r"(?P<curlu>(?<![A-Za-z0-9_\-])(?:-u|--user)(?:[ \t]{1,16}+|=))",
        # Oracle's user/password@service: jdbc:oracle:thin:u/p@h, sqlplus u/p@db
        r"(?P<oracle>(?:jdbc:oracle:[a-z]{1,8}:"
        r"|(?<![\w\-])sqlplus[ \t]{1,16}+(?:-\S{1,16}[ \t]{1,16})?)[^\s/@:'\"]{1,128}+/)",
        # .netrc: machine h login u password p
        r"(?P<netrc>(?<![\w\-])(?:machine[ \t]{1,16}+[^\s]{1,256}+|default)[ \t]{1,16}+login"
        r"[ \t]{1,16}+[^\s]{1,256}+[ \t]{1,16}+password[ \t]{1,16}+)",
        # command-line flags: --password x, --password "x" (--password=x is a key/value)
        r"(?P<flag>(?<![A-Za-z0-9_\-])--?[A-Za-z][A-Za-z0-9_\-]{0,63}+(?=[ \t]))",
        # XML elements: <password>x</password>
        rf"(?P<xml><(?P<xkey>[{_KEYCH}:]{{1,64}}+)(?:[ \t][^<>\n]{{0,512}}+)?>)",
        _KV_PATTERN,
    ]
)
_LINE_RE = re.compile(_LINE_PATTERN)
_KV_RE = re.compile(_KV_PATTERN)

# Tokens: one alternation without groups or leading look-behinds (both defeat the regex
# engine's fast per-branch first-character check, costing ~10x). The rule that matched,
# with its word-boundary check, is found afterwards by re-matching the rules at that spot.
_TOKEN_RE = re.compile("|".join(pat.removeprefix(_B) for pat, _ in _TOKEN_RULES))
_TOKEN_COMPILED = [(re.compile(pat), kind) for pat, kind in _TOKEN_RULES]
_HEADER_SCHEME_RE = re.compile(
    r"(?i:(bearer|basic|token|digest|negotiate|ntlm|apikey|api-key|sso-key|hmac|oauth|dpop"
    r"|aws4-hmac-sha256|goog4-hmac-sha256|key|api-token))[ \t]{1,16}+"
)
_OTHER_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{1,30}+[ \t]{1,16}+")
_TOKEN68_RE = re.compile(r"[A-Za-z0-9\-._~+/]{8,8192}+=*+(?![^\s\"',;])")
_HEADER_VALUE_RE = re.compile(r"[^\s\"'`,;\\]{1,8192}+")
_HEADER_REST_RE = re.compile(r"[^\"'\n\\]{1,8192}+")
_SCHEME_VALUE_RE = re.compile(r"[A-Za-z0-9\-._~+/]{8,8192}+=*+")

# --- Prefilter -------------------------------------------------------------------------
# Any line that can hold a secret contains one of these triggers (lower-cased). They are
# compiled as a trie so that each position costs one branch test per distinct first letter,
# not one per trigger (3x faster than a flat alternation).
_PREFILTER_TRIGGERS: list[tuple[str, str]] = [
    *(
        (w, "")
        for w in "secret token bearer basic credential cookie mysql mariadb curl <name>".split()
    ),
    # Key words with what must follow them, so that prose ("Auth successful", "passed",
    # "signal", "KeyError") does not send a line through the full patterns.
    ("pass", "(?:word|wd|phrase)?(?![a-z])"),
    ("pwd", "(?![a-z])"),
    ("auth", r"(?:orization|[_.\-]?key)?[\"'\\ \t]{0,3}[:=]"),
    ("sig", r"(?:nature)?[\"'\\ \t]{0,3}[:=]"),
    ("key", "(?![a-z])"),  # `api_key`, `Key:`, not `KeyError` or `keys`
    ("://", r"[^\s@]{0,256}@"),  # URL userinfo
    ("--user", r"[ \t=]"),
    ("jdbc:oracle:", ""),
    ("sqlplus", ""),
    *_TOKEN_TRIGGERS,
]


def _trie_regex(entries: list[tuple[str, str]]) -> str:
    """One regex matching any `literal + tail` of `entries`, literals merged into a trie."""
    root: dict[str, Any] = {}
    for literal, tail in entries:
        node = root
        for ch in literal:
            node = node.setdefault(ch, {})
        node.setdefault("", []).append(tail)

    def emit(node: dict[str, Any]) -> str:
        tails: list[str] = node.get("", [])
        if "" in tails:
            return ""  # this prefix alone is a trigger: nothing longer needs testing
        alts = [re.escape(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)] + tails
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return emit(root)


_PREFILTER = re.compile(_trie_regex(_PREFILTER_TRIGGERS))
_PREFILTER_I = re.compile(_PREFILTER.pattern, re.IGNORECASE)
# Lines without a token trigger skip the token pass (the costlier half of the line work).
_TOKEN_PREFILTER = re.compile(_trie_regex(_TOKEN_TRIGGERS), re.IGNORECASE)
# Name/value pairs are only looked for when some `value` field is there at all.
_PAIR_GATE = re.compile(r"<value>|value\\?[\"']?[ \t]{0,16}[:=]", re.IGNORECASE)

# --- Whole-text passes: shapes that cross lines ---------------------------------------------
_PEM_HEAD_RE = re.compile(
    r"-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"
    # The body holds no "-----"; scanned possessively so it is read once.
    r"(?P<body>[^\-]{0,262144}+(?:-(?!----)[^\-]{0,65536}+){0,256}+)"
    r"(?P<tail>-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)?"
)
# A header whose END line is missing (truncated log): mask the base64 lines that follow.
_PEM_OPEN_BODY_RE = re.compile(r"(?:(?:\r?\n|\\r?\\n|[ \t]+)[A-Za-z0-9+/=]{16,4096}+){1,4096}+")
# Name/value pairs, the name in one field and the secret in the next (Hadoop XML, Kubernetes
# env lists, ECS/Terraform JSON): mask the value when the name names a secret.
_PAIR_RE = re.compile(
    r"<name>[ \t\r\n]{0,64}+(?P<xn>[^<\s]{1,256}+)[ \t\r\n]{0,64}+</name>[ \t\r\n]{0,256}+"
    r"(?:<description>[^<]{0,4096}+</description>[ \t\r\n]{0,256}+)?"
    r"<value>(?P<xv>[^<]{1,16384}+)</value>"
    r"|(?i:name|key)\\?[\"']?[ \t]{0,16}+[:=][ \t]{0,16}+\\?[\"']?"
    r"(?P<jn>[A-Za-z0-9_.\-]{1,128}+)\\?[\"']?[ \t]{0,16}+,?[ \t\r\n]{0,64}+(?:-[ \t]{0,16}+)?"
    r"\\?[\"']?(?i:value)\\?[\"']?[ \t]{0,16}+[:=][ \t]{0,16}+"
)


def _pem_sub(m: Match) -> str:
    body = m.group("body")
    head = m.group(0)[: m.start("body") - m.start()]
    tail = m.group("tail")
    if tail is None:
        # Truncated: only the base64 lines right after the header are the key.
        run = _PEM_OPEN_BODY_RE.match(body)
        if run is None:
            return m.group(0)
        masked, rest = body[: run.end()], body[run.end() :]
    else:
        masked, rest = body, ""
    if not masked.strip(" \t\r\n\\nr") or masked.lstrip().startswith(_MARK_PREFIX):
        return m.group(0)
    # Keep the same number of newlines so later lines keep their numbers.
    newlines = masked.count("\n")
    lead = "\n" if masked.startswith(("\n", "\r\n")) else ""
    kept = max(newlines - len(lead), 0)
    return f"{head}{lead}{_mark('private_key')}{chr(10) * kept}{rest}{tail or ''}"


def _pair_edit(m: Match) -> tuple[int, int, str] | None:
    """The (start, end, replacement) for the value of a name/value pair, if secret."""
    text = m.string
    if m.group("xn") is not None:
        name, start, end = m.group("xn"), m.start("xv"), m.end("xv")
    else:
        # Checked here, not as a look-behind: a leading look-behind makes the scan 3x slower.
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            return None
        name = m.group("jn")
        v = _VALUE_RE.match(text, m.end())
        if v is None or v.lastgroup is None:
            return None
        start, end = v.start(v.lastgroup), v.end(v.lastgroup)
    value = text[start:end]
    if not is_secret_key(name) or not is_secret_value(name, value):
        return None
    if value.startswith(_MARK_PREFIX):
        return None
    # A value spread over lines keeps its line breaks.
    return start, end, _mark(_kind_for(name)) + "\n" * value.count("\n")


# How far before a `value` field its `name` field can start (the pattern's own bounds).
_PAIR_REACH = 64 + 256 + 64 + 256 + 4096 + 64 + 256 + 64


def _apply_pairs(text: str) -> str:
    """Mask the values of secret-named name/value pairs. The pattern only runs in windows
    that end at a `value` field (found by the cheap gate), each character scanned once."""
    out: list[str] = []
    last = scanned = 0
    for g in _PAIR_GATE.finditer(text):
        start = max(scanned, g.start() - _PAIR_REACH)
        # An XML <value> is followed by its content; a `value:` field ends the match.
        end = g.end() + (16384 + 16 if g.group(0).startswith("<") else 32)
        if start >= end:
            continue
        for m in _PAIR_RE.finditer(text, start, min(end, len(text))):
            if m.start() < last:
                continue
            edit = _pair_edit(m)
            if edit is None or edit[0] < last:
                continue
            out.append(text[last : edit[0]])
            out.append(edit[2])
            last = edit[1]
        scanned = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


# --- The line pass -----------------------------------------------------------------------
Edit = tuple[int, int, str]  # (start, end, replacement) within the line


def _value_span(line: str, pos: int, *, braces: bool) -> tuple[int, int, str] | None:
    """The value starting at `pos` (quoted, braced or bare): (start, end, text).

    `{...}` is a value only in `key=` connection strings (ODBC's `Pwd={...}`); after `key:`
    it opens a JSON/YAML object whose own keys are looked at separately.
    """
    v = _VALUE_RE.match(line, pos)
    if v is None:
        return None
    grp = v.lastgroup
    if grp is None or (grp == "br" and not braces):
        return None
    return v.start(grp), v.end(grp), v.group(grp)


def _edit_kv(m: Match, line: str) -> Edit | None:
    key = m.group("key")
    if not is_secret_key(key):
        return None
    span = _value_span(line, m.end(), braces="=" in m.group("sep"))
    if span is None:
        return None
    start, end, value = span
    if line[start - 1 : start] == "{" and line[end : end + 1] == "}" and value.isidentifier():
        return None  # a format field (`Pwd={password}`), not ODBC's braced password
    sep = m.group("sep")
    if sep == ":" and line[m.start() - 1 : m.start()] == ":":
        return None  # a field of a colon-separated name (ARNs, URNs), not `key: value`
    if sep.strip() == ":" and _CLASS_PATH_RE.fullmatch(key):
        return None  # `cryptography.fernet.InvalidToken: ...` is an exception line
    if line[end : end + 1] in ("(", "[", "{") and line[start - 1 : start] not in ("'", '"'):
        return None  # code or an object's repr (`token = fetch_token(...)`), not a literal
    delimited = line[end : end + 1] == ";" or line[max(m.start() - 1, 0) : m.start()] == ";"
    if not is_secret_value(key, value, delimited=delimited):
        return None
    if value.startswith(_MARK_PREFIX):
        return None
    return start, end, _mark(_kind_for(key))


def _edit_flag(m: Match, line: str, *, argv: bool) -> Edit | None:
    key = m.group(0)
    if not is_secret_key(key):
        return None
    if argv:
        v = _ARGV_VALUE_RE.match(line, m.end() + 1)
    else:
        v = _FLAG_VALUE_RE.match(line, m.end())
    if v is None or v.lastgroup is None:
        return None
    value = v.group(v.lastgroup)
    if not is_secret_value(key, value):
        return None
    return v.start(v.lastgroup), v.end(v.lastgroup), _mark(_kind_for(key))


def _edit_dashp(m: Match, line: str) -> Edit | None:
    before = line[max(m.start() - 256, 0) : m.start()]
    if line[m.end() : m.end() + 1] not in (" ", "\t"):
        if _MYSQL_RE.search(before) is None:
            return None
        v = _FLAG_VALUE_RE.match(" " + line[m.end() :])
        offset = m.end() - 1
    else:
        if _SSHPASS_RE.search(before) is None:
            return None
        v = _FLAG_VALUE_RE.match(line, m.end())
        offset = 0
    if v is None or v.lastgroup is None or not is_secret_value("password", v.group(v.lastgroup)):
        return None
    return v.start(v.lastgroup) + offset, v.end(v.lastgroup) + offset, _mark("password")


def _edit_curl_user(m: Match, line: str) -> Edit | None:
    """`curl -u user:password`; `--user user:password` also without curl on the line (a
    continued shell command), unless it is a numeric uid:gid (`docker run --user 1000:1000`).
    `-u KEY:` (empty password) passes an API key as the user name: the user is masked."""
    curl = _CURL_RE.search(line, max(m.start() - 256, 0), m.start()) is not None
    if not curl and not m.group(0).startswith("--"):
        return None
    v = _CURL_USER_RE.match(line, m.end())
    if v is None:
        return None
    user, pw = v.group("user"), v.group("pw")
    if not pw:
        if curl and _credential_like(user):
            return v.start("user"), v.end("user"), _mark("api_key")
        return None
    if (not curl and pw.isdigit()) or not is_secret_value("password", pw):
        return None
    return v.start("pw"), v.end("pw"), _mark("password")


_ORACLE_PW_RE = re.compile(r"[^\s'\"]{1,256}?(?=@[A-Za-z0-9_(\[])")
_NETRC_PW_RE = re.compile(r"[^\s]{1,4096}+")


def _edit_oracle(m: Match, line: str) -> Edit | None:
    v = _ORACLE_PW_RE.match(line, m.end())
    if v is None or not is_secret_value("password", v.group(0)):
        return None
    return v.start(), v.end(), _mark("password")


def _edit_netrc(m: Match, line: str) -> Edit | None:
    v = _NETRC_PW_RE.match(line, m.end())
    if v is None or not is_secret_value("password", v.group(0)):
        return None
    return v.start(), v.end(), _mark("password")


def _edit_header(m: Match, line: str) -> Edit | None:
    pos = m.end()
    s = _HEADER_SCHEME_RE.match(line, pos)
    if s is not None:
        scheme = s.group(1).lower()
        pos = s.end()
        if scheme in _SINGLE_VALUE_SCHEMES:
            v = _HEADER_VALUE_RE.match(line, pos)
        else:  # Digest/AWS4/...: credentials are spread over the rest of the header
            v = _HEADER_REST_RE.match(line, pos)
        if v is None or _PLACEHOLDER_RE.match(v.group(0)):
            return None
    elif (o := _OTHER_SCHEME_RE.match(line, pos)) is not None:
        # A scheme we do not know (`Api-Token x`, `SSWS x`): the value must be a token68.
        v = _TOKEN68_RE.match(line, o.end())
        if v is None or not _credential_like(v.group(0)):
            return None
    else:
        v = _HEADER_VALUE_RE.match(line, pos)
        if v is None or not _credential_like(v.group(0)):
            return None
    if v.group(0).startswith(_MARK_PREFIX):
        return None
    return v.start(), v.end(), _mark("authorization")


def _edit_cookie(m: Match, line: str) -> Edit | None:
    v = _HEADER_REST_RE.match(line, m.end())
    # A cookie header is `name=value` pairs; anything else is prose or code.
    if v is None or "=" not in v.group(0) or v.group(0).startswith(_MARK_PREFIX):
        return None
    return v.start(), v.end(), _mark("cookie")


def _edit_scheme(m: Match, line: str) -> Edit | None:
    v = _SCHEME_VALUE_RE.match(line, m.end())
    if v is None or not _credential_like(v.group(0)):
        return None
    return v.start(), v.end(), _mark("authorization")


def _edit_url(m: Match, line: str) -> Edit | None:
    text = m.group(0)
    colon = text.index(":", text.index("://") + 3)
    pw = text[colon + 1 : -1]
    if pw.startswith(_MARK_PREFIX) or _PLACEHOLDER_RE.match(pw):
        return None
    return m.start() + colon + 1, m.end() - 1, _mark("password")


def _edit_xml(m: Match, line: str) -> Edit | None:
    key = m.group("xkey")
    if not is_secret_key(key):
        return None
    end = line.find("<", m.end(), m.end() + 8192)
    if end == -1 or line[end : end + 2] != "</":
        return None
    value = line[m.end() : end]
    if not is_secret_value(key, value) or value.startswith(_MARK_PREFIX):
        return None
    return m.end(), end, _mark(_kind_for(key))


_EDITORS: dict[str, Callable[[Match, str], Edit | None]] = {
    "kv": _edit_kv,
    "flag": lambda m, line: _edit_flag(m, line, argv=False),
    "argv": lambda m, line: _edit_flag(m, line, argv=True),
    "dashp": _edit_dashp,
    "curlu": _edit_curl_user,
    "oracle": _edit_oracle,
    "netrc": _edit_netrc,
    "hdr": _edit_header,
    "cookie": _edit_cookie,
    "scheme": _edit_scheme,
    "url": _edit_url,
    "xml": _edit_xml,
}


def _redact_tokens(line: str) -> str:
    out: list[str] = []
    last = 0
    for m in _TOKEN_RE.finditer(line):
        if m.start() < last:  # pragma: no cover - finditer never overlaps
            continue
        for rule, kind in _TOKEN_COMPILED:
            t = rule.match(line, m.start())
            if t is not None:
                out.append(line[last : t.start()])
                out.append(_mark(kind))
                # Rules have bounded repetition (linear time); a longer token is still
                # one token: mask the rest of its run too.
                last = _TOKEN_TAIL_RE.match(line, t.end()).end()  # type: ignore[union-attr]
                break
    if not out:
        return line
    out.append(line[last:])
    return "".join(out)


def _redact_line(line: str) -> str:
    if _TOKEN_PREFILTER.search(line) is not None:
        line = _redact_tokens(line)
    out: list[str] = []
    last = 0
    for m in _LINE_RE.finditer(line):
        if m.start() < last:
            continue  # inside a value already masked
        name = m.lastgroup
        editor = _EDITORS.get(name) if name is not None else None
        edit = editor(m, line) if editor is not None else None
        if edit is None and name != "kv":
            # A header/flag shape that held no credential may still be `key: value`.
            kv = _KV_RE.match(line, m.start())
            edit = _edit_kv(kv, line) if kv is not None else None
        if edit is None or edit[0] < last or _inside_mark(line, edit[0], edit[1]):
            continue
        out.append(line[last : edit[0]])
        out.append(edit[2])
        last = _past_bound(line, edit[0], edit[1])
    if not out:
        return line
    out.append(line[last:])
    return "".join(out)


_TOKEN_TAIL_RE = re.compile(r"[A-Za-z0-9_\-]*+")
_VALUE_TAIL_RE = re.compile(r"[^\s\"'<>]*+")
# Value patterns stop after a few thousand characters (so a rejected candidate costs a
# bounded scan); an accepted value that reached that length is masked to its real end.
_LONG_VALUE = 4000


def _past_bound(line: str, start: int, end: int) -> int:
    """Where a masked value really ends: `end`, unless the value hit a pattern's bound."""
    if end - start < _LONG_VALUE:
        return end
    quote = line[start - 1 : start]
    if quote in ("'", '"'):
        close = line.find(quote, end)
        return len(line) if close == -1 else close
    return _VALUE_TAIL_RE.match(line, end).end()  # type: ignore[union-attr]


# Longer than any `[REDACTED:kind]` marker: how far back an overlapping marker can start.
_MARK_SPAN = 64


def _inside_mark(line: str, start: int, end: int) -> bool:
    """Whether [start, end) overlaps a `[REDACTED:kind]` marker (keeps redact idempotent).

    Both searches are bounded, so a line with many edits stays linear."""
    p = line.rfind(_MARK_PREFIX, max(0, start - _MARK_SPAN), end)
    if p == -1:
        return False
    close = line.find("]", p, p + _MARK_SPAN)
    return close != -1 and close >= start


def _candidate_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line of `text` that contains a prefilter trigger, in order."""
    low = text.lower()
    # lower() keeps offsets unless a rare character changes length (e.g. "İ").
    search = _PREFILTER.search if len(low) == len(text) else _PREFILTER_I.search
    scan = low if len(low) == len(text) else text
    spans: list[tuple[int, int]] = []
    m = search(scan)
    while m is not None:
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        end = len(text) if end == -1 else end
        spans.append((start, end))
        m = search(scan, end)
    return spans


def redact(text: str) -> str:
    """Mask credentials in `text` and drop bidi controls; every line break is kept."""
    if not text:
        return text
    text = sanitize(text)
    if "PRIVATE KEY" in text:
        text = _PEM_HEAD_RE.sub(_pem_sub, text)
    if _PAIR_GATE.search(text) is not None:
        text = _apply_pairs(text)
    spans = _candidate_spans(text)
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(_redact_line(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_data(obj: T) -> T:
    """Redact strings anywhere inside dicts, lists, tuples and pydantic models.

    The whole value of a key that names a secret is masked, whatever its shape. Pydantic
    models come back as the same model type (rebuilt from their redacted dump).
    """
    return _redact_any(obj, None)  # type: ignore[no-any-return]


def _redact_any(obj: Any, key: str | None) -> Any:
    if (
        key is not None
        and key.lower() not in _NOT_SECRET_DATA_KEYS
        and is_secret_key(key)
        and _is_scalar_secret(key, obj)
    ):
        return _mark(_kind_for(key))
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, BaseModel):
        data = _redact_any(obj.model_dump(), None)
        try:
            return type(obj).model_validate(data)
        except ValidationError:
            return type(obj).model_construct(**data)
    if isinstance(obj, dict):
        return {
            (redact(k) if isinstance(k, str) else k): _redact_any(
                v, k if isinstance(k, str) else None
            )
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_redact_any(v, None) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_redact_any(v, None) for v in obj)
    return obj


def _is_scalar_secret(key: str, value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, str):
        return is_secret_value(key, value, structured=True)
    if isinstance(value, int | float):
        return is_secret_value(key, str(value), structured=True)
    return isinstance(value, bytes)
