"""A local OpenAI-compatible server: ``POST /v1/chat/completions`` on 127.0.0.1 (random port).

It answers each request with ``reply(body)`` (a list of ``body["n"]`` strings), records every request body and
Authorization header, and answers 401 when ``key`` is set and the request's bearer token differs, like a
real endpoint. Usage counts whitespace-separated words as tokens.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OpenAIStub:
    def __init__(self, reply: Callable[[dict], list[str]], key: str | None = None):
        self.reply, self.key = reply, key
        self.requests: list[dict] = []
        self.auth: list[str | None] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization")
                stub.requests.append(body)
                stub.auth.append(auth)
                if self.path != "/v1/chat/completions":
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                if stub.key is not None and auth != f"Bearer {stub.key}":
                    return self._send(401, {"error": {"message": "Invalid API key", "type": "invalid_request_error"}})
                texts = stub.reply(body)
                words = sum(len(t.split()) for t in texts)
                self._send(200, {
                    "id": "chatcmpl-stub", "object": "chat.completion", "created": 0, "model": body["model"],
                    "choices": [{"index": i, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": t}} for i, t in enumerate(texts)],
                    "usage": {"prompt_tokens": 1, "completion_tokens": words, "total_tokens": words + 1},
                })

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> OpenAIStub:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
