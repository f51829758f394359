"""Tickets in other languages: each language is told, the ones the model does not know are grouped by character
n-grams (and their topics say so), planted themes come back within a language, and both models work offline."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import journeys
from journeys.topics import languages
from journeys.topics.languages import EMBEDDING_METHOD, NGRAM_METHOD
from journeys.usecases.topics import assignments, discover_topics
from tests.topics.themes import commit, planted, purity

ROOT = Path(__file__).resolve().parents[2]

# Three themes (password, refund, delivery) in five languages, several phrasings each, written for these tests.
PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "password": ("I cannot reset my password", "Password reset email never arrived", "Forgot my password",
                     "The password reset link does not work", "How do I change my password"),
        "refund": ("I want a refund for my order", "Please refund the double charge", "My refund has not arrived",
                   "When will I get my money back", "Requesting a refund for a cancelled order"),
        "delivery": ("My package has not arrived", "The delivery is very late", "Where is my parcel",
                     "Tracking shows no delivery update", "The courier lost my package"),
    },
    "de": {
        "password": ("Ich kann mein Passwort nicht zurücksetzen",
                     "Die E-Mail zum Zurücksetzen des Passworts kam nie an",
                     "Passwort vergessen, bitte helfen", "Der Link zum Zurücksetzen des Passworts funktioniert nicht",
                     "Wie ändere ich mein Passwort"),
        "refund": ("Ich möchte eine Rückerstattung für meine Bestellung", "Bitte erstatten Sie die doppelte Abbuchung",
                   "Meine Rückerstattung ist noch nicht angekommen", "Wann bekomme ich mein Geld zurück",
                   "Rückerstattung für eine stornierte Bestellung beantragen"),
        "delivery": ("Mein Paket ist noch nicht angekommen", "Die Lieferung ist sehr verspätet", "Wo ist mein Paket",
                     "Die Sendungsverfolgung zeigt keine Lieferung", "Der Paketdienst hat mein Paket verloren"),
    },
    "ko": {
        "password": ("비밀번호를 재설정할 수 없습니다", "비밀번호 재설정 이메일이 오지 않았습니다",
                     "비밀번호를 잊어버렸어요",
                     "비밀번호 재설정 링크가 작동하지 않습니다", "비밀번호를 어떻게 변경하나요"),
        "refund": ("주문에 대한 환불을 원합니다", "이중 결제를 환불해 주세요", "환불이 아직 들어오지 않았습니다",
                   "환불은 언제 받을 수 있나요", "취소된 주문의 환불을 요청합니다"),
        "delivery": ("택배가 아직 도착하지 않았습니다", "배송이 너무 늦어요", "제 택배는 어디에 있나요",
                     "배송 조회에 업데이트가 없습니다", "택배 기사가 제 택배를 잃어버렸습니다"),
    },
    "ru": {
        "password": ("Не могу сбросить пароль", "Письмо для сброса пароля так и не пришло", "Забыл пароль, помогите",
                     "Ссылка для сброса пароля не работает", "Как изменить пароль"),
        "refund": ("Хочу вернуть деньги за заказ", "Пожалуйста, верните двойное списание",
                   "Возврат денег ещё не пришёл",
                   "Когда мне вернут деньги", "Прошу вернуть деньги за отменённый заказ"),
        "delivery": ("Моя посылка ещё не пришла", "Доставка сильно задерживается", "Где моя посылка",
                     "Отслеживание не показывает доставку", "Курьер потерял мою посылку"),
    },
    "es": {
        "password": ("No puedo restablecer mi contraseña", "Nunca llegó el correo para restablecer la contraseña",
                     "Olvidé mi contraseña, ayuda", "El enlace para restablecer la contraseña no funciona",
                     "Cómo cambio mi contraseña"),
        "refund": ("Quiero un reembolso de mi pedido", "Por favor reembolsen el cobro doble",
                   "Mi reembolso todavía no ha llegado", "Cuándo me devuelven el dinero",
                   "Solicito el reembolso de un pedido cancelado"),
        "delivery": ("Mi paquete no ha llegado", "La entrega está muy retrasada", "Dónde está mi paquete",
                     "El seguimiento no muestra ninguna entrega", "El repartidor perdió mi paquete"),
    },
}
PER_LANGUAGE = 400


def multilingual(seed: int = 0) -> tuple:
    """A ticket table with PER_LANGUAGE tickets per language, each ticket's language and theme."""
    themes = {f"{lang}:{theme}": phrases for lang, by_theme in PHRASES.items() for theme, phrases in by_theme.items()}
    table, truth = planted(PER_LANGUAGE * len(PHRASES), seed=seed, themes=themes)
    return table, [t.split(":")[0] for t in truth], [t.split(":")[1] for t in truth]


def test_detect_tells_each_language():
    phrases = [(lang, p) for lang, by_theme in PHRASES.items() for ps in by_theme.values() for p in ps]
    langs, scores = languages.detect([p for _, p in phrases])
    right = [found == lang for (lang, _), found in zip(phrases, langs, strict=True)]
    assert np.mean(right) >= 0.9, [(p, f) for (lang, p), f in zip(phrases, langs, strict=True) if f != lang]
    covered = languages.embedding_covers(langs, scores)
    english = np.asarray([lang == "en" for lang, _ in phrases])
    assert covered[english].all()  # English goes to the model; every confidently other one goes to n-grams
    assert not covered[~english & (scores >= languages.CONFIDENT)].any()


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    home = tmp_path_factory.mktemp("languages")
    table, langs, themes = multilingual()
    commit(home, "world", table)
    with journeys.open_workspace(home) as ws:
        stored = discover_topics(ws, "world", author="Ana")
        frame = assignments(ws, stored)
    return stored, frame, langs, themes


def test_other_languages_are_grouped_by_ngrams_and_say_so(discovered):
    stored, frame, langs, _ = discovered
    by_id = {t.id: t for t in stored.topics.topics}
    for lang in PHRASES:
        mine = frame["topic"][[g == lang for g in langs]].dropna()
        assert len(mine) >= 0.9 * PER_LANGUAGE * 0.9, lang  # nearly all of a language's tickets found a topic
        topics = [by_id[t] for t in mine.unique()]
        method = EMBEDDING_METHOD if lang == "en" else NGRAM_METHOD
        assert {t.method for t in topics} == {method}, lang
        assert {t.language for t in topics} == {lang}, lang


def test_planted_themes_come_back_within_each_language(discovered):
    _, frame, langs, themes = discovered
    for lang in PHRASES:
        rows = [i for i, g in enumerate(langs) if g == lang]
        found = [frame["topic"].iloc[i] if isinstance(frame["topic"].iloc[i], str) else None for i in rows]
        # purity: the share of a language's assigned tickets whose topic's most common theme is their own
        assert purity(found, [themes[i] for i in rows]) >= 0.9, lang


SITE = """
import socket

def _refused(*args, **kwargs):
    raise OSError("network blocked in this test")

socket.socket.connect = _refused
socket.socket.connect_ex = _refused
socket.create_connection = _refused
"""

OFFLINE = """
import socket
from journeys.topics import embedding, languages
try:
    socket.create_connection(("example.com", 80))
    raise SystemExit("the network was not blocked")
except OSError:
    pass
vectors = embedding.embed(["Where is my parcel", "Wo ist mein Paket"])
langs, scores = languages.detect(["Where is my parcel", "Wo ist mein Paket", "제 택배는 어디에 있나요"])
assert vectors.shape == (2, embedding.DIMENSIONS), vectors.shape
assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-4
assert list(langs) == ["en", "de", "ko"], langs
print("ok")
"""


def test_both_models_load_and_run_with_the_network_blocked(tmp_path):
    site, home = tmp_path / "site", tmp_path / "home"
    site.mkdir()
    home.mkdir()
    (site / "sitecustomize.py").write_text(SITE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), "HOME": str(home),
           "XDG_CACHE_HOME": str(home / ".cache"), "HF_HOME": str(home / ".hf")}
    env.pop("PYTHONNOUSERSITE", None)
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(OFFLINE)], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")
    assert list(home.rglob("*")) == []  # nothing downloaded or cached under the home folder
