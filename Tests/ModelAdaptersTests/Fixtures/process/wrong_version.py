"""Child with a bad hello. Usage: wrong_version.py PID_FILE version|missing|classes|boolean|escapes."""
import json, os, sys

open(sys.argv[1], "w").write(str(os.getpid()))
hello = json.loads(sys.stdin.readline())
print(f"miaudit said hello with protocol {hello['protocol']}", file=sys.stderr, flush=True)
reply = {"type": "hello", "protocol": 1, "model": {"id": "old", "digest": "sha256:00"},
         "classes": ["no_match", "match"], "outputs": "logits"}
if sys.argv[2] == "version":
    reply["protocol"] = 2
elif sys.argv[2] == "missing":
    del reply["model"]
elif sys.argv[2] == "boolean":
    reply["protocol"] = True
elif sys.argv[2] == "escapes":
    reply["model"]["id"] = "evil\x1b[2J\rmodel"
else:
    reply["classes"] = ["cat", "dog", "bird"]
print(json.dumps(reply), flush=True)
sys.stdin.readline()
