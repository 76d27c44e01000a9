"""
Locust load test of one leadbot node: simulated prospects that each hold one conversation, in
Spanish or English, giving their need, name, email and company over a few turns with think time
between messages. Half talk over REST, half over the web widget's WebSocket.

    locust -f loadtest/locustfile.py --headless -u 30 -r 5 -t 60s --host http://127.0.0.1:3000

Every message is one Locust request event, so its turn latency lands in Locust's statistics:

- ``REST turn``: ``POST /webhooks/rest`` until the answer (the turn is over, every reply in it);
- ``WS turn``: ``user.message`` frame sent until the first ``bot.message`` frame arrives (what the
  prospect sees; later replies of the same turn are read before the next message).

With ``--csv <prefix>`` the final figures are also written, after the run, to
``<prefix>_final_stats.csv`` (the format of ``<prefix>_stats.csv``, which Locust flushes only every
10 s). ``npm run capacity`` runs this file and reads them (docs/performance.md#capacity).

A fresh ``sender`` (REST) or ``session`` (WebSocket) is one new prospect: when a conversation is
over the simulated user starts another one, with another person. Run only one channel by naming
its class: ``locust -f loadtest/locustfile.py RestProspect``.

Options (also as environment variables):

  --think-min / --think-max   seconds a prospect waits before each message (LEADBOT_THINK_MIN /
                              LEADBOT_THINK_MAX, default 3 and 6)
  --tenant                    tenant id (LEADBOT_TENANT; default: the node's default tenant)
  --spanish-share             share of prospects who write in Spanish (LEADBOT_SPANISH_SHARE, 0.5)
  --turn-timeout              seconds a WebSocket turn may take before it counts as failed
                              (LEADBOT_TURN_TIMEOUT, 35)

Needs Locust (Debian: ``apt-get install -y python3-locust``) and, for the WebSocket users,
websocket-client (``apt-get install -y python3-websocket``); without it only REST users run.
"""

import csv
import json
import random
import string
import time
import uuid
from urllib.parse import quote, urlsplit

from locust import HttpUser, User, events, task
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

try:
    import websocket  # websocket-client (Debian: python3-websocket)
except ImportError:  # pragma: no cover - depends on the machine
    websocket = None


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--think-min", type=float, env_var="LEADBOT_THINK_MIN", default=3.0,
                        help="Seconds a prospect waits before each message, at least (default 3)")
    parser.add_argument("--think-max", type=float, env_var="LEADBOT_THINK_MAX", default=6.0,
                        help="Seconds a prospect waits before each message, at most (default 6)")
    parser.add_argument("--tenant", type=str, env_var="LEADBOT_TENANT", default="",
                        help="Tenant id (default: the node's default tenant)")
    parser.add_argument("--spanish-share", type=float, env_var="LEADBOT_SPANISH_SHARE", default=0.5,
                        help="Share of prospects who write in Spanish (default 0.5)")
    parser.add_argument("--turn-timeout", type=float, env_var="LEADBOT_TURN_TIMEOUT", default=35.0,
                        help="Seconds a WebSocket turn may take before it fails (default 35)")


_ENVIRONMENT = []


@events.init.add_listener
def _on_init(environment, **_kwargs):
    _ENVIRONMENT.append(environment)
    if websocket is None:
        print("loadtest: websocket-client is not installed (apt-get install -y python3-websocket): "
              "only REST prospects run", flush=True)


@events.quit.add_listener
def _write_final_stats(**_kwargs):
    """With --csv: ``<prefix>_final_stats.csv``, the final figures in ``<prefix>_stats.csv``'s format.

    Locust rewrites ``<prefix>_stats.csv`` every second but flushes it every 10 s, so its last
    seconds may be missing from the file at exit; this one is written after the run, complete.
    """
    environment = _ENVIRONMENT[0] if _ENVIRONMENT else None
    prefix = _option(environment, "csv_prefix", None) if environment is not None else None
    if not prefix:
        return
    with open(f"{prefix}_final_stats.csv", "w", newline="") as file:
        StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(file))


def _option(environment, name, default):
    options = getattr(environment, "parsed_options", None)
    value = getattr(options, name, None) if options is not None else None
    return default if value is None else value


# --- Who the prospects are and what they say -------------------------------------------------

PEOPLE = {
    "es": [("Lucía", "Fernández"), ("Jorge", "Castillo"), ("Paola", "Mendoza"), ("Andrés", "Quintero"),
           ("Rocío", "Salazar"), ("Héctor", "Villalobos"), ("Daniela", "Ortega"), ("Ramiro", "Benítez")],
    "en": [("Emily", "Carter"), ("Noah", "Bennett"), ("Priya", "Shah"), ("Liam", "O'Connor"),
           ("Grace", "Walker"), ("Marcus", "Hughes"), ("Chloe", "Turner"), ("Ethan", "Brooks")],
}
COMPANIES = {
    "es": [("Distribuidora Norteña", "nortena.mx"), ("Mensajería Express Andina", "expressandina.co"),
           ("Transportes Villanueva", "tvillanueva.es"), ("Alimentos La Huerta", "lahuerta.com.mx")],
    "en": [("Northgate Freight", "northgatefreight.com"), ("Swift Parcel Co", "swiftparcel.co.uk"),
           ("Harbor Fresh Foods", "harborfresh.com"), ("Summit Couriers", "summitcouriers.com")],
}
VEHICLES = {"es": ["camiones", "furgonetas", "camionetas", "repartidores"],
            "en": ["trucks", "vans", "drivers", "couriers"]}
OPENERS = {
    "es": ["Hola, tenemos {n} {v} y necesitamos una herramienta para planificar rutas este mes",
           "buenas, queremos cotizar su sistema de rastreo para {n} {v}",
           "Hola! me interesa una demo, manejamos {n} {v} y las entregas se nos retrasan mucho",
           "Buenas tardes, quería información de sus planes para {n} {v}"],
    "en": ["Hi, we run {n} {v} and need route planning software before next month",
           "Hello! We'd like a quote for fleet tracking on {n} {v}",
           "Looking for a demo, our {n} {v} keep delivering late and we want to fix it",
           "Hi there, could you tell me about your plans for {n} {v}?"],
}
NAME = {"es": ["Me llamo {first} {last}", "Soy {first} {last}", "mi nombre es {first} {last}"],
        "en": ["My name is {first} {last}", "I'm {first} {last}", "{first} {last} here"]}
EMAIL = {"es": ["mi correo es {email}", "{email}", "pueden escribirme a {email}"],
         "en": ["my email is {email}", "{email}", "you can reach me at {email}"]}
COMPANY = {"es": ["Trabajo en {company}", "la empresa es {company}", "somos {company}"],
           "en": ["I work at {company}", "the company is {company}", "we're {company}"]}
EXTRA = {"es": ["¿Cuánto cuesta el plan Crecimiento?", "¿Se integra con WhatsApp?",
                "Gracias, eso es todo por ahora"],
         "en": ["How much is the Growth plan?", "Does it integrate with WhatsApp?",
                "Thanks, that's all for now"]}


def _ascii(text):
    table = str.maketrans("áéíóúñü'", "aeiounu-")
    return "".join(c for c in text.lower().translate(table) if c in string.ascii_lowercase + "-")


def conversation(rng, spanish_share):
    """One prospect's messages: the need first, then name, email and company (in some order)."""
    lang = "es" if rng.random() < spanish_share else "en"
    first, last = rng.choice(PEOPLE[lang])
    company, domain = rng.choice(COMPANIES[lang])
    tag = uuid.uuid4().hex[:6]
    facts = {"first": first, "last": last, "company": company,
             "email": f"{_ascii(first)}.{_ascii(last)}.{tag}@{domain}"}
    opener = rng.choice(OPENERS[lang]).format(n=rng.randint(3, 80), v=rng.choice(VEHICLES[lang]))
    middle = [rng.choice(NAME[lang]), rng.choice(EMAIL[lang]), rng.choice(COMPANY[lang])]
    rng.shuffle(middle)
    messages = [opener] + [m.format(**facts) for m in middle]
    if rng.random() < 0.5:
        messages.append(rng.choice(EXTRA[lang]))
    return lang, messages


class Prospect:
    """What both channels share: think time, the conversation script and a fresh identity."""

    def think(self):
        low = float(_option(self.environment, "think_min", 3.0))
        high = max(low, float(_option(self.environment, "think_max", 6.0)))
        return random.uniform(low, high)

    def new_prospect(self):
        self.lang, self.script = conversation(random, float(_option(self.environment, "spanish_share", 0.5)))
        self.identity = f"lt-{uuid.uuid4().hex[:16]}"

    def next_message(self):
        """The next message of the conversation, starting a new prospect when one is over."""
        if not getattr(self, "script", None):
            self.end_conversation()
            self.new_prospect()
        return self.script.pop(0)

    def end_conversation(self):
        pass

    def tenant(self):
        return str(_option(self.environment, "tenant", "") or "")


class RestProspect(Prospect, HttpUser):
    """A prospect on the REST channel: one POST per message, answered when the turn is over."""

    weight = 1

    def wait_time(self):
        return self.think()

    @task
    def turn(self):
        text = self.next_message()
        body = {"sender": self.identity, "message": text, "message_id": uuid.uuid4().hex}
        if self.tenant():
            body["tenant"] = self.tenant()
        with self.client.post("/webhooks/rest", json=body, name="REST turn", catch_response=True) as res:
            if res.status_code != 200:
                res.failure(f"HTTP {res.status_code}: {res.text[:200]}")
                return
            try:
                replies = res.json()
            except ValueError:
                res.failure("the answer is not JSON")
                return
            if not isinstance(replies, list) or not replies:
                res.failure("no reply in the answer")


class WidgetProspect(Prospect, User):
    """A prospect in the web widget: one WebSocket per conversation, frames as the widget sends them."""

    weight = 1
    abstract = websocket is None

    def wait_time(self):
        return self.think()

    def on_start(self):
        self.socket = None

    def on_stop(self):
        self.end_conversation()

    def end_conversation(self):
        if self.socket is not None:
            try:
                self.socket.close()
            except Exception:  # noqa: BLE001 - closing a broken socket
                pass
            self.socket = None

    def ws_url(self):
        parts = urlsplit(self.host or "http://127.0.0.1:3000")
        scheme = "wss" if parts.scheme == "https" else "ws"
        query = f"session={quote(self.identity)}"
        if self.tenant():
            query += f"&tenant={quote(self.tenant())}"
        return f"{scheme}://{parts.netloc}/ws?{query}"

    def fire(self, started, error=None, length=0):
        self.environment.events.request.fire(
            request_type="WS", name="WS turn", response_time=(time.perf_counter() - started) * 1000,
            response_length=length, exception=error, context={})

    def drain(self):
        """Reads what arrived during the think time (later replies of the last turn, typing frames)."""
        self.socket.settimeout(0.01)
        try:
            while True:
                self.socket.recv()
        except websocket.WebSocketTimeoutException:
            pass

    def receive_reply(self, message_id, started):
        """Waits for the first bot.message (or an error about this message); returns its length."""
        deadline = started + float(_option(self.environment, "turn_timeout", 35.0))
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no bot.message in time")
            self.socket.settimeout(left)
            frame = json.loads(self.socket.recv())
            kind = frame.get("type")
            if kind == "bot.message":
                return len(frame.get("text", ""))
            if kind == "error" and frame.get("id") in (None, message_id):
                raise RuntimeError(f"{frame.get('code')}: {frame.get('message')}")

    @task
    def turn(self):
        text = self.next_message()
        started = time.perf_counter()
        try:
            if self.socket is None:
                self.socket = websocket.create_connection(self.ws_url(), timeout=10)
                started = time.perf_counter()
            else:
                self.drain()
            message_id = uuid.uuid4().hex
            self.socket.send(json.dumps({"type": "user.message", "id": message_id, "text": text}))
            length = self.receive_reply(message_id, started)
            self.fire(started, length=length)
        except Exception as error:  # noqa: BLE001 - every failure is one failed turn in the stats
            self.fire(started, error=error)
            self.end_conversation()
            self.script = []
