"""The `pt` catalog is European Portuguese (AO1990 spelling, as written in Portugal and
Lusophone Africa); Brazilian Portuguese belongs in a `pt_BR` catalog of the instance.
A translator's Brazilian habit slipping back in is caught here, by words that have no
other meaning in European Portuguese and constructions it does not use in UI text."""

from __future__ import annotations

import re

from tests.i18n.conftest import po_catalog

# Whole words, case-insensitive. Words with a legitimate European meaning stay out:
# "tela" (canvas), "celular" (cellular), "arquivo" (archive), "baixar" (lower), "salvar"
# (rescue), "time", "renda" (rent), "estoque" (rapier), "cadastro" (land register).
BRAZILIAN_WORDS = (
    "usuário", "usuária", "usuários", "usuárias",
    "registro", "registros", "registrar", "registrado", "registrada", "registrados",
    "registradas",
    "senha", "senhas",  # the catalog says "palavra-passe"
    "contato", "contatos",
    "equipe", "equipes",
    "você", "vocês",  # UI text addresses the reader without a pronoun
    "anônimo", "anônima", "anônimos", "anônimas",
    "eletrônico", "eletrônica", "eletrônicos", "eletrônicas",
    "planejado", "planejada", "planejar",
    "caractere",
)  # fmt: skip
MARKERS = [
    re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE) for word in BRAZILIAN_WORDS
]
# Progressive with a gerund ("está carregando", "estão sendo"), where European Portuguese
# says "está a carregar"; and a bare gerund as a status line ("Carregando…").
MARKERS += [
    re.compile(
        r"(?<!\w)(está|estão|estou|estamos|estava|estavam|esteja|estejam)\s+\w+ndo(?!\w)",
        re.IGNORECASE,
    ),
    re.compile(r"^\w+(ando|endo|indo)…$"),
]


def brazilian_forms(text: str) -> list[str]:
    return [match.group(0) for marker in MARKERS for match in marker.finditer(text)]


def test_the_markers_catch_brazilian_forms_and_spare_european_ones():
    assert brazilian_forms("Redefina sua senha do {instance}") == ["senha"]
    assert brazilian_forms("Nenhuma campanha está arrecadando fundos.") == ["está arrecadando"]
    assert brazilian_forms("Carregando…") == ["Carregando…"]
    assert brazilian_forms("Famílias REGISTRADAS e você") == ["REGISTRADAS", "você"]
    assert brazilian_forms("A carregar…") == []
    assert brazilian_forms("Registo de parcerias; Registe-se; está a angariar fundos") == []
    assert brazilian_forms("Introduza a sua palavra-passe.") == []


def _msgstrs() -> list[tuple[str, str]]:
    found = []
    for message in po_catalog("pt"):
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        found.extend((msgid, text) for text in strings if text)
    return found


def test_the_pt_catalog_has_messages():
    assert len(_msgstrs()) > 200


def test_no_brazilian_form_in_the_pt_catalog():
    offending = [
        f"{msgid!r}: {text!r} {forms}"
        for msgid, text in _msgstrs()
        if (forms := brazilian_forms(text))
    ]
    assert offending == [], "\n".join(offending)
