"""Three hild processes sharing one PostgreSQL database, with their own mock boards: jobs spread
over every host; a host killed mid-job loses it to another, once; a host paused past its lease
cannot write a stale result when it wakes. Run by CI (`python3 -m pytest -q tools`)."""
import json
import os
import signal
import time

import pytest

from hilfarm import cluster as pg
from hilfarm.farm import Farm

from hilreliability import paths
from hilreliability.client import sse_events

pytestmark = [
    pytest.mark.skipif(pg.binaries() is None, reason="PostgreSQL is not installed (apt-get install postgresql)"),
    pytest.mark.skipif(paths.missing_binaries() is not None, reason=str(paths.missing_binaries())),
]


@pytest.fixture(scope="module")
def cluster():
    c = pg.Cluster()
    yield c
    c.stop()


@pytest.fixture
def farm_of(cluster):
    farms = []

    def make(**kw):
        f = Farm(cluster, **kw)
        farms.append(f)
        return f.start()

    yield make
    for f in farms:
        f.stop()


def kinds(events):
    return [e["kind"] for e in events]


def test_jobs_spread_over_every_host_and_each_report_is_its_own_job(farm_of):
    # A lease far longer than the test: here no job may run twice, however loaded the machine.
    farm = farm_of(hosts=3, boards=2, lease_seconds=60)
    a, b, c = (h.client for h in farm.hosts)
    models, dataset = farm.upload(a, models=12)
    # Submitted through every host in turn; any host may run any of them.
    submitters = [a, b, c]
    ids = {}
    for i, model in enumerate(models):
        r = submitters[i % 3].submit({"name": f"spread-{i}", "model": model, "dataset": dataset,
                                      "options": {"limit": 6, "baud": 921600}})
        assert r.status == 201, r
        ids[r.json()["id"]] = model
    # The first job's live stream, from a host that may not run it: every event once, in order.
    first = next(iter(ids))
    streamed = [e for _, e in sse_events(c, first, timeout=120)]
    assert [e["seq"] for e in streamed] == list(range(1, len(streamed) + 1)), [e["seq"] for e in streamed]
    assert streamed[-1]["kind"] == "finished"
    ran_on = {}
    for job_id, model in ids.items():
        done = farm.finished(c, job_id)
        assert done["state"] == "passed", done
        ran_on.setdefault(done["host"], []).append(job_id)
        events = farm.events(b, job_id)
        assert kinds(events).count("assigned") == 1, kinds(events)
        assert kinds(events).count("finished") == 1
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        # The report, from a host that did not run it, is of this job's model.
        other = next(h.client for h in farm.hosts if h.name != done["host"])
        report = other.get_json(f"/v1/jobs/{job_id}/report")
        name = report["model"]["name"]
        i = models.index(model)
        assert name == f"reliability-{i}" if i else not name.startswith("reliability-"), (job_id, name)
        assert len(report["samples"]) == 6
    assert set(ran_on) == {"host-1", "host-2", "host-3"}, ran_on
    # Every host answers for the whole bench.
    for h in farm.hosts:
        boards = h.client.get_json("/v1/boards")
        assert len(boards) == 6 and {x["host"] for x in boards} == {"host-1", "host-2", "host-3"}, boards
        assert len(h.client.get_json("/v1/jobs")) == 12


def test_a_host_killed_mid_job_loses_it_once_and_the_job_finishes_on_another(farm_of):
    farm = farm_of(hosts=3, boards=1)
    front = farm.hosts[0].client
    job_id, _, _, victim = farm.streaming_job(front, "victim", limit=24)
    survivor = next(h for h in farm.hosts if h is not victim).client
    assert victim.hild.kill()
    done = farm.finished(survivor, job_id, timeout=120)
    assert done["state"] == "passed", done
    assert done["host"] != victim.name
    assert done["attempts"] == 2, "the lost attempt is counted"
    events = farm.events(survivor, job_id)
    expired = [e for e in events if e["kind"] == "lease_expired"]
    assert len(expired) == 1, kinds(events)
    assert f"{victim.name} lost its lease" in expired[0]["message"], expired[0]
    assert kinds(events).count("finished") == 1
    assert kinds(events).count("assigned") == 2
    report = survivor.get_json(f"/v1/jobs/{job_id}/report")
    assert len(report["samples"]) == 24
    # The dead host's board shows offline on the others once its heartbeat lapses.
    farm.wait("the dead host's board offline",
              lambda: all(b["state"] == "offline" for b in survivor.get_json("/v1/boards") if b["host"] == victim.name))


def test_a_host_paused_past_its_lease_cannot_write_a_stale_result(farm_of):
    farm = farm_of(hosts=2, boards=1)
    front = farm.hosts[0].client
    job_id, model, dataset, paused = farm.streaming_job(front, "partitioned", limit=30)
    other = next(h for h in farm.hosts if h is not paused)
    os.kill(paused.hild.pid, signal.SIGSTOP)
    try:
        # The other host sweeps the expired lease and runs the job itself.
        farm.wait("the job taken over", lambda: (lambda j: j["state"] == "running" and j["host"] == other.name)(
            farm.job(other.client, job_id)), timeout=60)
    finally:
        os.kill(paused.hild.pid, signal.SIGCONT)
    # Awake again, the paused host's run of the job still streams until it learns it lost it.
    done = farm.finished(other.client, job_id, timeout=120)
    assert done["state"] == "passed", done
    assert done["host"] == other.name
    events = farm.events(other.client, job_id)
    expiry = next(i for i, e in enumerate(events) if e["kind"] == "lease_expired")
    # Nothing after the expiry came from the paused host's board.
    paused_board = next(b["id"] for b in other.client.get_json("/v1/boards") if b["host"] == paused.name)
    stale = [e for e in events[expiry + 1:] if e.get("board") == paused_board]
    assert not stale, json.dumps(stale)[:500]
    assert kinds(events).count("finished") == 1
    report = other.client.get_json(f"/v1/jobs/{job_id}/report")
    assert len(report["samples"]) == 30
    # The paused host knows, and its board is free for work again.
    farm.wait("the paused host to stop its run", lambda: "lease on it ran out" in paused.log() or "dropped" in paused.log())
    farm.wait("the paused host's board idle", lambda: all(
        b["state"] == "idle" for b in paused.client.get_json("/v1/boards") if b["host"] == paused.name), timeout=60)
    again = paused.client.submit({"name": "after", "model": model, "dataset": dataset,
                                  "options": {"limit": 4, "baud": 921600}}).json()["id"]
    assert farm.finished(paused.client, again)["state"] == "passed"


def test_the_database_going_away_loses_nothing(farm_of, cluster):
    farm = farm_of(hosts=2, boards=1)
    front = farm.hosts[0].client
    job_id, model, dataset, _ = farm.streaming_job(front, "outage", limit=20)
    cluster.stop_server("immediate")
    try:
        # The API says what is wrong instead of hanging or answering from a stale copy.
        r = front.request("GET", "/v1/jobs", timeout=30)
        assert r.status == 503, r
        assert "PostgreSQL" in r.json()["error"]["message"] or "store" in r.json()["error"]["message"], r
        time.sleep(2 * farm.lease_seconds)  # past the lease: the run is fenced when the database is back
    finally:
        cluster.start_server()
    done = farm.finished(front, job_id, timeout=180)
    assert done["state"] == "passed", done
    events = farm.events(front, job_id)
    assert kinds(events).count("finished") == 1, kinds(events)
    assert len(front.get_json(f"/v1/jobs/{job_id}/report")["samples"]) == 20
    # Both hosts take work again.
    for h in farm.hosts:
        j = h.client.submit({"model": model, "dataset": dataset, "options": {"limit": 3, "baud": 921600}}).json()["id"]
        assert farm.finished(h.client, j)["state"] == "passed"
