"""The OpenAI-compatible chat client, against real HTTP servers on 127.0.0.1."""

import time

import pytest
from llm_server import FakeChatServer, Reply, chat_body, closed_port_url, sse

from newsdesk.settings import WriteSettings
from newsdesk.write.llm_client import ChatClient, ChatResult, LLMError, chat_endpoint

MESSAGES = [{"role": "system", "content": "Write news."}, {"role": "user", "content": "Go."}]


def client_for(url: str, **kw) -> ChatClient:
    settings = WriteSettings(base_url=url, model=kw.pop("model", "tiny"),
                             timeout=kw.pop("timeout", 10.0), **kw)
    return ChatClient.from_settings(settings, env={})


def ask(replies: list[Reply], env: dict | None = None, **kw) -> tuple[ChatResult, FakeChatServer]:
    """One chat call against a fake server scripted with ``replies``."""
    with FakeChatServer(replies) as server:
        settings = WriteSettings(base_url=server.base_url, model="tiny",
                                 timeout=kw.pop("timeout", 10.0), **kw)
        with ChatClient.from_settings(settings, env=env or {}) as client:
            return client.chat(MESSAGES), server


def failure(replies: list[Reply], **kw) -> LLMError:
    with pytest.raises(LLMError) as err:
        ask(replies, **kw)
    return err.value


@pytest.mark.parametrize(("base", "endpoint"), [
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080/v1/chat/completions"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
    ("https://api.example.org/openai/v1", "https://api.example.org/openai/v1/chat/completions"),
    ("http://h:1/v1/chat/completions", "http://h:1/v1/chat/completions"),
])
def test_endpoint_follows_the_openai_base_url_convention(base, endpoint):
    assert chat_endpoint(base) == endpoint


def test_a_base_url_that_is_not_http_is_a_clear_error():
    with pytest.raises(LLMError, match="not an http"):
        chat_endpoint("127.0.0.1:8080")


def test_answer_text_finish_reason_and_usage_are_returned():
    result, server = ask([Reply(chat_body("Bridge closes [1]."))], max_tokens=123,
                         temperature=0.4)
    assert result.text == "Bridge closes [1]."
    assert result.finish_reason == "stop" and not result.truncated
    assert (result.prompt_tokens, result.completion_tokens) == (100, 20)
    assert result.seconds > 0 and result.tokens_per_second > 0
    sent = server.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["json"]["model"] == "tiny"
    assert sent["json"]["messages"] == MESSAGES
    assert sent["json"]["max_tokens"] == 123
    assert sent["json"]["temperature"] == pytest.approx(0.4)
    assert sent["json"]["stream"] is True  # a server may still answer in one piece, as here
    assert "Authorization" not in sent["headers"]  # no key configured: none sent


def test_the_api_key_comes_from_the_env_var_named_in_the_settings():
    _, server = ask([Reply(chat_body("ok [1]"))], env={"MY_LLM_KEY": "sk-test-123"},
                    api_key_env="MY_LLM_KEY")
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sk-test-123"


def test_a_cut_off_answer_is_marked_truncated():
    result, _ = ask([Reply(chat_body("The bridge closed on", finish_reason="length"))])
    assert result.truncated


def test_server_down_says_how_to_start_or_point_at_one():
    with client_for(closed_port_url()) as client, pytest.raises(LLMError) as err:
        client.chat(MESSAGES)
    assert err.value.kind == "unreachable"
    assert "cannot reach" in str(err.value) and "write.base_url" in str(err.value)


@pytest.mark.parametrize("reply", [
    Reply(chat_body("late"), delay=30),  # says nothing at all
    Reply(chat_body("The bridge closed on Tuesday. " * 20), drip=0.05),  # trickles forever
], ids=["silent", "trickling"])
def test_a_hanging_server_ends_in_a_timeout_error_within_the_timeout(reply):
    started = time.perf_counter()
    err = failure([reply], timeout=0.8)
    elapsed = time.perf_counter() - started
    assert err.kind == "timeout"
    assert "0.8 s" in str(err) and "write.timeout" in str(err)
    assert elapsed < 5


def test_a_connection_dropped_mid_answer_is_an_error_not_a_partial_answer():
    err = failure([Reply(b'{"choices": [{"message": {"content": "The bridge', close_early=True)])
    assert err.kind == "unreachable" and "broke off" in str(err)


@pytest.mark.parametrize(("reply", "kind", "words"), [
    (Reply(b"<html>Welcome to nginx</html>"), "malformed", "not JSON"),
    (Reply(b'{"choices": [{"message": {"content": "The br'), "malformed", "not JSON"),
    (Reply({"object": "list", "data": []}), "malformed", "without choices"),
    (Reply({"choices": [{"text": "completion-style"}]}), "malformed", "without a message"),
    (Reply(chat_body("")), "empty", "empty answer"),
    (Reply(chat_body(None)), "empty", "empty answer"),
    (Reply(chat_body(None, refusal="I can't help with that.")), "refused", "refused"),
    (Reply({"error": {"message": "model 'tiny' not found"}}, status=404), "http", "write.model"),
    (Reply({"error": {"message": "context exceeded"}}, status=400), "http", "context"),
    (Reply({"error": "boom"}, status=500), "http", "HTTP 500: boom"),
])
def test_bad_answers_map_to_one_exception_with_a_clear_message(reply, kind, words):
    err = failure([reply])
    assert err.kind == kind
    assert words in str(err)


def test_a_refused_key_names_the_env_var_to_set():
    err = failure([Reply({"error": {"message": "invalid api key"}}, status=401)],
                  api_key_env="ACME_KEY")
    assert err.kind == "auth"
    assert "ACME_KEY" in str(err) and "invalid api key" in str(err)


def test_a_loading_server_is_retried_then_answers():
    result, server = ask([Reply({"error": {"message": "Loading model"}}, status=503,
                                headers={"Retry-After": "0"}),
                          Reply(chat_body("Ready [1]."))])
    assert result.text == "Ready [1]."
    assert len(server.requests) == 2


def test_a_huge_body_is_refused():
    err = failure([Reply(chat_body("x" * 2_100_000))])
    assert err.kind == "malformed" and "MB" in str(err)


def test_context_size_comes_from_llama_cpp_props_or_is_unknown():
    props = {"default_generation_settings": {"n_ctx": 2048}}
    with FakeChatServer(props=props) as server, client_for(server.base_url) as client:
        assert client.context_size() == 2048
    with FakeChatServer() as server, client_for(server.base_url) as client:
        assert client.context_size() is None


def test_a_streamed_answer_is_assembled_with_its_usage():
    result, _ = ask([sse(["The bridge", " closed", " on Tuesday [1]."],
                         usage={"prompt_tokens": 50, "completion_tokens": 7})])
    assert result.text == "The bridge closed on Tuesday [1]."
    assert (result.finish_reason, result.prompt_tokens, result.completion_tokens) == \
        ("stop", 50, 7)


def test_without_usage_the_streamed_events_are_counted_as_tokens():
    result, _ = ask([sse(["A", " b", " c."])])
    assert result.completion_tokens == 3 and result.prompt_tokens is None


def test_a_streamed_answer_cut_at_max_tokens_is_truncated():
    result, _ = ask([sse(["The bridge closed on"], finish_reason="length")])
    assert result.truncated


def test_stop_when_ends_the_stream_early_without_waiting_for_the_rest():
    pieces = ["The ferry burned [1]. "] + ["The crew left [2]. "] * 200
    with FakeChatServer([sse(pieces, drip=0.02)]) as server, \
            client_for(server.base_url) as client:
        started = time.perf_counter()
        result = client.chat(MESSAGES, stop_when=lambda text: text.count("crew left") >= 2)
        elapsed = time.perf_counter() - started
    assert result.finish_reason == "stopped" and not result.truncated
    assert result.text.startswith("The ferry burned [1].") and result.text.count("crew") == 2
    assert elapsed < 2  # the 200 events would take 4 s


@pytest.mark.parametrize(("reply", "kind", "words"), [
    (sse(["The bridge"], finish_reason=None, done=False), "unreachable", "broke off"),
    (Reply(b'data: {"error": {"message": "out of memory"}}\n\n',
           headers={"Content-Type": "text/event-stream"}), "http", "out of memory"),
    (Reply(b"data: <html>\n\n", headers={"Content-Type": "text/event-stream"}),
     "malformed", "not JSON"),
    (sse([]), "empty", "empty answer"),
])
def test_bad_streams_map_to_the_same_exception(reply, kind, words):
    err = failure([reply])
    assert err.kind == kind and words in str(err)


def test_llama_cpp_timings_give_the_servers_own_speeds():
    timed = sse(["Hi."])
    timed.body = timed.body.replace(
        b'"finish_reason": "stop"}]',
        b'"finish_reason": "stop"}], "timings": {"prompt_n": 40, "predicted_n": 2, '
        b'"prompt_per_second": 80.5, "predicted_per_second": 30.25}')
    result, _ = ask([timed])
    assert (result.prompt_tokens, result.completion_tokens) == (40, 2)
    assert (result.prompt_per_second, result.predicted_per_second) == (80.5, 30.25)
