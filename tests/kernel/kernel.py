"""A real IPython kernel for tests, driven through jupyter_client."""

from __future__ import annotations

import os
import queue
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager


@dataclass
class Reply:
    """What one execute request produced on iopub."""

    stdout: str = ""
    stderr: str = ""
    result: str | None = None  # text/plain of execute_result
    displays: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    status: str = ""
    payload: list[dict[str, Any]] = field(default_factory=list)  # set_next_input, the pager text of `%%tune?`

    @property
    def error_text(self) -> str:
        if not self.error:
            return ""
        return f"{self.error['ename']}: {self.error['evalue']}"


class Kernel:
    """One kernel process; ``execute`` runs a cell and collects its outputs."""

    def __init__(self, cwd: str, env: dict[str, str] | None = None) -> None:
        self.km = KernelManager(kernel_name="python3")
        kernel_env = dict(os.environ)
        kernel_env.pop("HPMAGIC_WAIT", None)
        kernel_env.update(env or {})
        self.km.kernel_cmd = None
        self.km.start_kernel(cwd=cwd, env=kernel_env, extra_arguments=[])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.comm_msgs: list[dict[str, Any]] = []

    @property
    def pid(self) -> int:
        return self.km.provisioner.pid  # type: ignore[union-attr]

    def execute(self, code: str, timeout: float = 120) -> Reply:
        msg_id = self.kc.execute(code, store_history=True)
        reply = Reply()
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"cell did not finish in {timeout}s:\n{code}")
            try:
                msg = self.kc.get_iopub_msg(timeout=remaining)
            except queue.Empty:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind.startswith("comm_"):
                self.comm_msgs.append(msg)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if kind == "stream":
                if content["name"] == "stdout":
                    reply.stdout += content["text"]
                else:
                    reply.stderr += content["text"]
            elif kind == "execute_result":
                reply.result = content["data"].get("text/plain")
                reply.displays.append(content["data"])
            elif kind == "display_data":
                reply.displays.append(content["data"])
            elif kind == "error":
                reply.error = content
            elif kind == "status" and content["execution_state"] == "idle":
                break
        shell = self.kc.get_shell_msg(timeout=timeout)
        while shell["parent_header"].get("msg_id") != msg_id:
            shell = self.kc.get_shell_msg(timeout=timeout)
        content = shell["content"]
        reply.status = content["status"]
        reply.payload = content.get("payload", [])
        if reply.error is None and reply.status == "error":
            # IPython shows a UsageError without an iopub error message; the reply carries it
            reply.error = {k: content.get(k) for k in ("ename", "evalue", "traceback")}
        return reply

    def value(self, expr: str, timeout: float = 120) -> Any:
        """Evaluate ``expr`` in the kernel and return it (via repr / literal_eval)."""
        import ast

        reply = self.execute(f"print(repr(({expr})))", timeout=timeout)
        if reply.error:
            raise AssertionError(f"{expr}: {reply.error_text}")
        return ast.literal_eval(reply.stdout.strip())

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)


PYTHON = sys.executable
