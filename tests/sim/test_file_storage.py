"""OpenAI files live on disk in the simulator's private directory, never whole in memory.

Checked from both sides: through the official SDK (same bytes, same JSON) and on disk (each
file is there while its record lives, gone after a delete and after the simulator stops), with
tracemalloc showing that taking an upload, writing an output file and serving a download each
cost a few chunks of memory, not the file's size.
"""

from __future__ import annotations

import stat
import tracemalloc
from pathlib import Path

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from simkit import chat_line, jsonl, openai_client

from tui.sim import SimOptions, Simulator
from tui.sim.files import read_lines
from tui.sim.openai_batches import FileRecord, OpenAIBatch

OPTIONS = SimOptions(seed=7, speed=0.0, expire_rate=0.0, error_rate=0.1)


def _on_disk_only(sim: Simulator, record: FileRecord) -> bytes:
    """The record's bytes, read from its file, after checking the record holds none itself."""
    assert record.path.parent == sim.state.file_store.root
    held = [v for v in vars(record).values() if isinstance(v, bytes | bytearray | memoryview)]
    assert held == []
    data = record.path.read_bytes()
    assert record.size == len(data)
    return data


def _create(sim: Simulator, count: int) -> OpenAIBatch:
    lines = [chat_line(f"r{i:05d}", f"question {i}") for i in range(count)]
    now = sim.clock.time()
    record = sim.state.add_file("in.jsonl", "batch", jsonl(lines), now)
    return sim.state.create_openai(
        input_file=record,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata=None,
        created=now,
    )


async def _download(sim: Simulator, file_id: str) -> int:
    """Stream a file's content and count its bytes, keeping none of them."""
    url = f"{sim.openai_base_url}/files/{file_id}/content"
    size = 0
    async with (
        httpx2.AsyncClient(timeout=60) as http,
        http.stream("GET", url, headers={"authorization": "Bearer k"}) as reply,
    ):
        async for chunk in reply.aiter_raw():
            size += len(chunk)
    return size


async def test_an_upload_is_a_file_in_the_sims_private_directory(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    data = jsonl([chat_line(f"r{i}", "x" * 300) for i in range(4000)])  # > 1 MiB: many chunks
    upload = await oclient.files.create(file=("in.jsonl", data), purpose="batch")
    record = sim.state.files[upload.id]
    assert _on_disk_only(sim, record) == data
    assert upload.bytes == len(data)
    assert stat.S_IMODE(sim.state.file_store.root.stat().st_mode) == 0o700
    assert (await oclient.files.content(upload.id)).read() == data
    await oclient.files.delete(upload.id)
    assert not record.path.exists()
    assert list(sim.state.file_store.root.iterdir()) == []


async def test_output_and_error_files_round_trip_byte_for_byte(
    sim: Simulator, oclient: AsyncOpenAI
) -> None:
    sim.state.error_rate = 0.2
    upload = await oclient.files.create(
        file=("in.jsonl", jsonl([chat_line(f"r{i}") for i in range(200)])), purpose="batch"
    )
    created = await oclient.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    sim.clock.advance(days=1)
    done = await oclient.batches.retrieve(created.id)
    batch = sim.state.openai[done.id]
    shuffle = sim.options.shuffle
    for file_id, lines in (
        (done.output_file_id, batch.output_lines(shuffle)),
        (done.error_file_id, batch.error_lines(shuffle)),
    ):
        expected = b"".join(lines)
        record = sim.state.files[file_id]
        assert _on_disk_only(sim, record) == expected
        assert (await oclient.files.content(file_id)).read() == expected
        assert (await oclient.files.retrieve(file_id)).bytes == len(expected)


async def test_refused_uploads_leave_nothing_on_disk() -> None:
    options = SimOptions(seed=1, speed=0.0, max_file_bytes=1000)
    async with Simulator(options) as sim, openai_client(sim) as client:
        for name, data, purpose in (
            ("big.jsonl", b"x" * 1001, "batch"),
            ("in.csv", b"a,b\n", "batch"),
            ("in.jsonl", b"{}\n", "nonsense"),
        ):
            with pytest.raises(openai.BadRequestError):
                await client.files.create(file=(name, data), purpose=purpose)  # type: ignore[arg-type]
        assert list(sim.state.file_store.root.iterdir()) == []


async def test_stopping_the_simulator_removes_its_files() -> None:
    async with Simulator(OPTIONS) as sim, openai_client(sim) as client:
        upload = await client.files.create(file=("in.jsonl", b"{}\n"), purpose="batch")
        root = sim.state.file_store.root
        assert (root / upload.id).is_file()
    assert not root.exists()
    assert sim.state.files == {}  # their bytes are gone, so are they


async def test_saved_state_brings_the_files_back_onto_disk(tmp_path: Path) -> None:
    options = SimOptions(seed=3, speed=0.0, state_file=tmp_path / "sim.json")
    data = jsonl([chat_line("a"), chat_line("b")])
    async with Simulator(options) as sim, openai_client(sim) as client:
        upload = await client.files.create(file=("in.jsonl", data), purpose="batch")
        first_root = sim.state.file_store.root
    async with Simulator(options) as sim, openai_client(sim) as client:
        assert sim.state.file_store.root != first_root
        assert _on_disk_only(sim, sim.state.files[upload.id]) == data
        assert (await client.files.content(upload.id)).read() == data
        assert (await client.files.retrieve(upload.id)).bytes == len(data)


async def test_a_file_deleted_mid_download_still_arrives_whole(sim: Simulator) -> None:
    data = jsonl([chat_line(f"r{i}", "y" * 400) for i in range(3000)])
    record = sim.state.add_file("in.jsonl", "batch", data, sim.clock.time())
    url = f"{sim.openai_base_url}/files/{record.id}/content"
    received = bytearray()
    async with (
        httpx2.AsyncClient() as http,
        http.stream("GET", url, headers={"authorization": "Bearer k"}) as reply,
    ):
        async for chunk in reply.aiter_raw():
            if not received:
                sim.state.delete_file(record.id)
                assert not record.path.exists()
            received.extend(chunk)
    assert bytes(received) == data


async def test_output_files_are_written_and_served_a_chunk_at_a_time(sim: Simulator) -> None:
    batch = _create(sim, 10_000)
    sim.clock.advance(days=1)
    tracemalloc.start()
    try:
        sim.state.settle(sim.clock.time(), sim.options.shuffle)
        settle_peak = tracemalloc.get_traced_memory()[1]
        output = sim.state.files[batch.output_file_id]  # type: ignore[index]
        tracemalloc.reset_peak()
        downloaded = await _download(sim, output.id)
        download_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert downloaded == output.size > 10_000_000
    # Joined in memory, the output would cost twice its size while being written, and read
    # whole, its size again while served; a chunk at a time, each costs a few chunks (the
    # download's figure counts the client's buffers too).
    assert settle_peak < output.size / 10
    assert download_peak < output.size / 3


def test_lines_are_numbered_as_splitlines_numbers_them(tmp_path: Path) -> None:
    data = b'{"a":1}\r\n\r\n{"b":2}\r{"c":3}\n\n  \n{"d":4}'
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    expected = [(n, raw) for n, raw in enumerate(data.splitlines(), 1) if raw.strip()]
    assert list(read_lines(path)) == expected


async def test_an_upload_goes_to_disk_a_chunk_at_a_time(sim: Simulator, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(jsonl([chat_line(f"r{i}", "z" * 1000) for i in range(10_000)]))
    size = source.stat().st_size
    url = f"{sim.openai_base_url}/files"
    tracemalloc.start()
    try:
        # An open file as the part: the client sends it in pieces without reading it whole.
        with source.open("rb") as handle:
            async with httpx2.AsyncClient(timeout=60) as http:
                reply = await http.post(
                    url,
                    headers={"authorization": "Bearer k"},
                    data={"purpose": "batch"},
                    files={"file": ("in.jsonl", handle)},
                )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert reply.status_code == 200
    record = sim.state.files[reply.json()["id"]]
    assert _on_disk_only(sim, record) == source.read_bytes()
    assert peak < size / 3
