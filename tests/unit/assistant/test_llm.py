"""The model port: the Azure OpenAI adapter against recorded HTTP exchanges (no network), the choice of
provider from settings, and the offline provider's extractive answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pydantic
import pytest

from shared.llm import (
    NO_ANSWER,
    AzureOpenAIModel,
    GroundedAnswer,
    LanguageModelError,
    OfflineModel,
    Passage,
    grounded_messages,
    model_from_settings,
    parse_grounded,
    words,
)
from shared.settings import Settings

pytestmark = pytest.mark.unit
DATA = Path(__file__).resolve().parents[2] / "data" / "assistant"
ENDPOINT = "https://aura-openai-dev.openai.azure.com/"


def recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((DATA / name).read_text()))


class Replay:
    """A transport that checks each request against the recorded one and answers its recorded response."""

    def __init__(self, *exchanges: dict[str, Any]) -> None:
        self.exchanges = list(exchanges)
        self.seen: list[tuple[str, dict[str, str], Any]] = []

    def __call__(self, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        exchange = self.exchanges.pop(0)
        self.seen.append((url, headers, json.loads(body)))
        assert url == exchange["request"]["url"]
        assert headers == exchange["request"]["headers"]
        assert json.loads(body) == exchange["request"]["body"]
        response = exchange["response"]
        return response["status"], json.dumps(response["body"]).encode()


def azure(
    transport: Replay, tokens: list[str] | None = None, embedding: str = "text-embedding-3-small"
) -> AzureOpenAIModel:
    issued = iter(tokens or ["test-token-1"] * 10)
    return AzureOpenAIModel(
        endpoint=ENDPOINT,
        chat_deployment="gpt-4o-mini",
        embedding_deployment=embedding,
        api_version="2024-10-21",
        token=lambda: next(issued),
        transport=transport,
    )


PASSAGES = [
    Passage(
        1,
        "C-100 Bank confirmation, section procedures",
        "The confirmed balance of 48,250.00 agrees to the general ledger.",
    ),
    Passage(2, "Mapped trial balance, account 1000", "Account 1000 Cash at bank: final balance 48,250.00."),
]


def test_azure_chat_sends_the_deployment_url_bearer_token_and_json_schema_and_parses_the_answer() -> None:
    replay = Replay(recorded("recorded_chat.json"))
    model = azure(replay)

    answer = model.complete(grounded_messages("What balance did the bank confirm?", PASSAGES), GroundedAnswer)

    assert model.name == "azure-openai:gpt-4o-mini"
    assert isinstance(answer, GroundedAnswer)
    assert answer.citations == [1, 2]
    assert answer.answer.startswith("The bank confirmed 48,250.00")
    url, headers, body = replay.seen[0]
    assert url.startswith("https://aura-openai-dev.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions?")
    assert headers["Authorization"] == "Bearer test-token-1"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["answer"]


def test_azure_chat_without_a_schema_returns_the_text() -> None:
    exchange = recorded("recorded_chat.json")
    del exchange["request"]["body"]["response_format"]
    answer = azure(Replay(exchange)).complete(grounded_messages("What balance did the bank confirm?", PASSAGES))
    assert isinstance(answer, str) and '"citations":[1,2]' in answer


def test_azure_embeddings_come_back_in_input_order_and_normalised() -> None:
    vectors = azure(Replay(recorded("recorded_embeddings.json"))).embed(["bank confirmation", "lease liability"])

    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [[1.0, 0.0, 0.0, 0.0], [0.0, 0.6, 0.0, 0.8]], rtol=1e-6)


def test_a_refused_call_raises_naming_the_status_never_the_token() -> None:
    with pytest.raises(LanguageModelError) as refused:
        azure(Replay(recorded("recorded_refused.json"))).complete(
            grounded_messages("What balance did the bank confirm?", PASSAGES), GroundedAnswer
        )
    assert "HTTP 401" in str(refused.value)
    assert "test-token-1" not in str(refused.value)


def test_each_call_asks_the_token_source_so_an_expired_token_is_replaced() -> None:
    second = recorded("recorded_embeddings.json")
    second["request"]["headers"]["Authorization"] = "Bearer test-token-2"
    replay = Replay(recorded("recorded_embeddings.json"), second)
    model = azure(replay, tokens=["test-token-1", "test-token-2"])
    model.embed(["bank confirmation", "lease liability"])
    model.embed(["bank confirmation", "lease liability"])
    assert [headers["Authorization"] for _, headers, _ in replay.seen] == ["Bearer test-token-1", "Bearer test-token-2"]


def test_the_managed_identity_token_is_fetched_once_until_near_expiry(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import azure.identity

    from shared import llm

    scopes: list[str] = []

    class Credential:
        def get_token(self, scope: str) -> Any:
            scopes.append(scope)
            return type("Access", (), {"token": f"t{len(scopes)}", "expires_on": int(time.time()) + 3600})()

    monkeypatch.setattr(azure.identity, "DefaultAzureCredential", Credential)
    source = llm._ManagedIdentityToken()
    assert [source(), source()] == ["t1", "t1"]
    assert scopes == ["https://cognitiveservices.azure.com/.default"]


def test_plain_http_endpoints_are_refused() -> None:
    from shared.llm import _urllib_transport

    with pytest.raises(LanguageModelError, match="https"):
        _urllib_transport("http://aura-openai.example/openai", {}, b"{}")


def test_azure_is_chosen_only_when_its_endpoint_and_chat_deployment_are_set() -> None:
    assert model_from_settings(Settings()).name == "offline"
    only_endpoint = Settings(AURA_OPENAI_ENDPOINT=ENDPOINT)
    assert model_from_settings(only_endpoint).name == "offline"
    both = Settings(AURA_OPENAI_ENDPOINT=ENDPOINT, AURA_OPENAI_CHAT_DEPLOYMENT="gpt-4o-mini")
    chosen = model_from_settings(both)
    assert isinstance(chosen, AzureOpenAIModel) and chosen.name == "azure-openai:gpt-4o-mini"


def test_the_prompt_round_trips_its_question_and_passages() -> None:
    question, passages = parse_grounded(grounded_messages("What balance did the bank confirm?", PASSAGES))
    assert question == "What balance did the bank confirm?"
    assert passages == PASSAGES


def test_offline_answers_with_the_best_matching_sentences_and_their_passage_numbers() -> None:
    passages = [
        Passage(1, "Bank", "We confirmed the account with the bank. The confirmed balance of 48,250.00 agrees."),
        Passage(2, "Payroll", "Payroll was tested for ten employees. No exceptions were found."),
        Passage(3, "Leases", "The warehouse lease runs five years. Monthly rent is 9,400.00."),
    ]
    answer = OfflineModel().complete(
        grounded_messages("What is the monthly rent of the lease?", passages), GroundedAnswer
    )

    assert isinstance(answer, GroundedAnswer)
    assert "Monthly rent is 9,400.00. [3]" in answer.answer
    assert "Payroll" not in answer.answer
    assert answer.citations == [3]


def test_offline_leaves_out_a_sentence_far_weaker_than_the_best() -> None:
    """One shared common word ("bank") must not pull an inventory aside into an answer about a confirmation."""
    passages = [
        Passage(1, "Bank", "First Northern Bank confirmed a balance of 12,000.00 at year end directly to us."),
        Passage(2, "Inventory", "Inventory is costed first in, first out; the bank holds no lien over it."),
    ]
    answer = OfflineModel().complete(
        grounded_messages("What balance did First Northern Bank confirm?", passages), GroundedAnswer
    )

    assert isinstance(answer, GroundedAnswer)
    assert "12,000.00" in answer.answer
    assert "Inventory" not in answer.answer
    assert answer.citations == [1]


def test_offline_says_so_when_there_is_nothing_to_answer_from() -> None:
    answer = OfflineModel().complete(grounded_messages("What is the rent?", []), GroundedAnswer)
    assert answer == GroundedAnswer(answer=NO_ANSWER, citations=[])


def test_offline_fills_a_schema_through_its_offline_answer_hook() -> None:
    class Draft(pydantic.BaseModel):
        text: str
        sources: list[int]

        @classmethod
        def offline_answer(cls, draft: GroundedAnswer, question: str, passages: list[Passage]) -> Draft:
            return cls(text=f"{question}: {draft.answer}", sources=draft.citations)

    passages = [Passage(7, "Debt", "The bank loan of 30,000.00 matures in 2029.")]
    draft = OfflineModel().complete(grounded_messages("When does the bank loan mature?", passages), Draft)
    assert isinstance(draft, Draft)
    assert draft.sources == [7] and draft.text.endswith("matures in 2029. [7]")


def test_words_are_stemmed_so_inflections_match() -> None:
    assert words("confirmed balances") == words("confirm balance")
    assert words("JE-100 48,250.00") == ["je", "100", "48,250.00"]


def test_the_embedder_name_follows_the_vectors_not_the_chat_model() -> None:
    offline = OfflineModel()
    without_embeddings = azure(Replay(), embedding="")
    with_embeddings = azure(Replay())
    assert without_embeddings.embedder == offline.embedder == "multilingual-e5-small-q4"
    assert with_embeddings.embedder == "azure-openai:text-embedding-3-small"


def test_a_passage_with_bracketed_paragraphs_stays_whole() -> None:
    passages = [
        Passage(
            1,
            "Draft note: Leases",
            "The company leases its plant.\n\n[{{tb:2500}}] is the liability.\n\n[source:asc-842#recognition]",
        ),
        Passage(2, "Mapped trial balance, account 2500", "Account 2500 Lease liability."),
    ]
    assert parse_grounded(grounded_messages("Draft the note on leases.", passages))[1] == passages
