"""Misbehaving child: answers a predict request with an endless stream of blank lines (blank), or
of short non-JSON lines (dots). Usage: floods.py PID_FILE blank|dots."""
import json, os, sys

open(sys.argv[1], "w").write(str(os.getpid()))
sys.stdin.readline()
print(json.dumps({"type": "hello", "protocol": 1, "model": {"id": "flood", "digest": "sha256:00"},
                  "classes": ["no_match", "match"], "outputs": "logits"}), flush=True)
sys.stdin.readline()
print("answering with a flood", file=sys.stderr, flush=True)
chunk = ("\n" if sys.argv[2] == "blank" else ".\n") * (1 << 19)
out = sys.stdout.buffer
try:
    while True:
        out.write(chunk.encode())
        out.flush()
except BrokenPipeError:
    pass
