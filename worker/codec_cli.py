"""``dictobs codec-server``: serve the payload codec to the Temporal UI and CLI.

The keys come from ``--key-file`` or ``TEMPORAL_CODEC_KEY_FILE`` (the file the worker reads), the
bearer token from ``--token-file`` or ``CODEC_SERVER_TOKEN``. Without a token the server starts
only with ``--no-auth`` and only on a loopback address. Every bad input is one line naming it.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core import addresses, codec, settings
from core.errors import CLIError
from worker.codec_server import MAX_BODY, CodecServer, CodecServerConfig

MIN_TOKEN_CHARS = 16


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "codec-server",
        help="decrypt payloads for the Temporal UI and CLI (Temporal's codec server protocol)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--listen",
        default=f"127.0.0.1:{settings.CODEC_SERVER_PORT}",
        metavar="HOST:PORT",
        help="where to serve (default: %(default)s)",
    )
    p.add_argument("--key-file", type=Path, help="key file (default: TEMPORAL_CODEC_KEY_FILE)")
    p.add_argument(
        "--token-file",
        type=Path,
        help="file holding the bearer token clients send (or set CODEC_SERVER_TOKEN)",
    )
    p.add_argument(
        "--no-auth", action="store_true", help="serve without a token: loopback addresses only"
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="URL",
        help="a browser origin allowed to call the server, e.g. the Temporal UI's "
        "https://temporal.example.com (repeatable)",
    )
    p.add_argument("--namespace", help="namespace served (default: TEMPORAL_NAMESPACE or dict)")
    p.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate")
    p.add_argument("--tls-key", type=Path, help="the certificate's private key")
    p.add_argument(
        "--max-body",
        type=int,
        default=MAX_BODY,
        metavar="BYTES",
        help="largest request body accepted (default: %(default)s)",
    )
    p.set_defaults(func=_serve)


def config_from(args: argparse.Namespace) -> CodecServerConfig:
    """The server's configuration from the flags and the environment, every problem a
    :class:`CLIError` naming the flag or variable."""
    temporal = settings.load().temporal
    key_file = args.key_file or temporal.codec_key_file
    if key_file is None:
        raise CLIError(
            "--key-file: no key file; pass --key-file FILE or set TEMPORAL_CODEC_KEY_FILE "
            "(the worker's key file)"
        )
    if args.key_file:
        codec.KeyRing.read(args.key_file, f"--key-file {args.key_file}")  # SettingsError
    if args.max_body < 1:
        raise CLIError(f"--max-body={args.max_body}: must be at least 1 byte")
    return CodecServerConfig(
        key_file=key_file,
        namespace=args.namespace or temporal.namespace,
        token=_token(args),
        allowed_origins=tuple(_origin(o) for o in args.allow_origin),
        max_body=args.max_body,
        ssl_context=_ssl_context(args.tls_cert, args.tls_key),
    )


def _token(args: argparse.Namespace) -> str | None:
    from_env = os.environ.get("CODEC_SERVER_TOKEN") or None
    if args.token_file and from_env:
        raise CLIError("--token-file and CODEC_SERVER_TOKEN are both set: keep one")
    if args.no_auth and (args.token_file or from_env):
        raise CLIError("--no-auth together with a token: keep one")
    source = f"--token-file {args.token_file}" if args.token_file else "CODEC_SERVER_TOKEN"
    token = from_env
    if args.token_file:
        try:
            token = args.token_file.read_text().strip()
        except (OSError, UnicodeDecodeError) as err:
            why = err.strerror if isinstance(err, OSError) else "not UTF-8 text"
            raise CLIError(f"{source}: cannot read it ({why})") from None
    if token is None:
        if args.no_auth:
            return None
        raise CLIError(
            "no bearer token: pass --token-file FILE or set CODEC_SERVER_TOKEN (or, on a "
            "loopback address only, --no-auth)"
        )
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token):
        raise CLIError(
            f"{source}: the token needs at least {MIN_TOKEN_CHARS} characters and no blanks; "
            "generate one with `head -c 32 /dev/urandom | base64`"
        )
    return token


def _origin(text: str) -> str:
    """An origin as browsers send it: ``scheme://host[:port]``, no path, no trailing slash."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise CLIError(
            f"--allow-origin {text}: expected an origin such as https://temporal.example.com "
            "(scheme, host and port only)"
        )
    return f"{parts.scheme}://{parts.netloc}"


def _ssl_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise CLIError("--tls-cert and --tls-key go together: set both or neither")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else "not a PEM pair"
        raise CLIError(f"--tls-cert {cert} / --tls-key {key}: cannot load them ({why})") from None
    return context


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    config = config_from(args)
    try:
        host, port = addresses.parse(args.listen, any_host=True, any_port=True)
    except ValueError as err:
        raise CLIError(f"--listen {args.listen}: {err}; expected HOST:PORT") from None
    if config.token is None and not _loopback(host):
        raise CLIError(
            f"--no-auth on --listen {args.listen}: without a token the server listens on "
            "loopback addresses only; pass --token-file or listen on 127.0.0.1"
        )
    try:
        server = CodecServer((host, port), config)
    except OSError as err:
        raise CLIError(f"--listen {args.listen}: cannot listen there ({err.strerror})") from None
    signal.signal(signal.SIGTERM, _interrupt)
    ring = server.keys.codec.ring
    print(
        f"codec server on {server.url} for namespace {config.namespace}: key ids "
        f"{', '.join(ring.ids)} ({ring.encrypting.id} encrypts); "
        f"{'bearer token' if config.token else 'no authentication'}; browser origins: "
        f"{', '.join(config.allowed_origins) or 'none'}",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("codec server stopped", flush=True)
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
