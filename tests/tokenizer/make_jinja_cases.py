#!/usr/bin/env python3
"""Writes jinja_cases.json: templates and variables with the text Jinja2 renders for them in the
environment transformers uses for chat templates (ImmutableSandboxedEnvironment, trim_blocks,
lstrip_blocks, loopcontrols, its own tojson); jinja_test.cpp checks q3c renders the same text.
Also writes chat_cases.json: random conversations (tools, tool calls, reasoning, odd white space)
through Qwen3's template from ../shared, for chat_vectors_test.cpp.
Run it again (Jinja2 3.1 needed) after adding cases; the JSON is committed so tests need no Python."""
import json
import os
import random

from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson

CASES = [
    # white-space control: trim_blocks, lstrip_blocks, -, +, comments, newlines
    ("  {% if x %}\n    yes\n  {% endif %}\nafter", {"x": True}),
    ("a\n  {%- if x %} b {% endif -%}  \n c", {"x": True}),
    ("{% for i in xs %}\n  - {{ i }}\n{% endfor %}\n", {"xs": [1, 2]}),
    ("{# comment #}\nx\n  {# c2 #}\ny", {}),
    ("{% if true %}\n  x\n{% else %}\n  y\n{% endif %}\n", {}),
    ("<{{- ' a ' -}}>", {}),
    ("a  {%+ if true %}b{% endif %}  \n  {{ 'c' }}", {}),
    ("  {{ 'v' }}\n  {% if true %}X{% endif %}", {}),
    ("{% if true -%}\n\n  a\n{%- endif %}", {}),
    ("{% if true +%}\nkept newline{% endif %}", {}),
    ("line1\r\nline2\r\n", {}),
    ("x {#- c -#} y {#+ c #}\n z", {}),
    ("\t{% if true %}\ttab{% endif %}\n\t{%- if true %}T{% endif %}", {}),
    ("{% raw %}  {{ not rendered }} {% endraw %}x", {}),
    ("a{{ '\\n' }}\n{% for i in [1] %}{{ i }}{% endfor %}\n\nb\n", {}),
    # expressions, literals, operators
    ("{{ 'a' ~ 1 ~ none ~ true }}", {}),
    ("{{ [1,2,3][::-1] }} {{ 'hello'[1:3] }} {{ 'hello'[-1] }} {{ 'héllo'[::-1] }} {{ [1,2,3,4][1::2] }}", {}),
    ("{{ 4e9 }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 10 / 4 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }}", {}),
    ("{{ 'x' if false }}|{{ 'x' if false else 'y' }}|{{ none }}|{{ [1, 'a', none, true] }}|{{ {'a': 'b\\'c'} }}", {}),
    ("{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'b' > 'a' }} {{ [1,2] == [1,2] }} {{ 1 == 1.0 }} {{ 1 != 2 }}", {}),
    ("{{ (1, 2) }} {{ () }} {{ 5 | string }} {{ 3.0 | int }} {{ '42' | int }} {{ 'x' | int }} {{ 2 | float }}", {}),
    ("{{ 'abc' * 2 }} {{ [0] * 3 }} {{ -x }} {{ x - 1.5 }} {{ x and 'y' }} {{ 0 or 'z' }} {{ not x }}", {"x": 2}),
    ("{{ 'a' in 'cat' }} {{ 1 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }}", {}),
    ('{{ "a\\tb\\u00e9\\x41" }} {{ \'it\\\'s\' }} {{ "q\\"" }}', {}),
    ("{{ messages[0]['role'] }}{{ messages|length - 1 }}{{ messages[0].role }}{{ messages.0.role }}", {"messages": [{"role": "sys"}]}),
    ("{{ x.y }}|{{ x['y'] }}|{{ x.y is defined }}|{{ xs[5] is defined }}|{{ none.x is defined }}", {"x": {}, "xs": []}),
    # statements
    ("{% for i in range(3) %}{{ loop.index0 }}{{ ',' if not loop.last }}{% endfor %}", {}),
    ("{% set ns = namespace(a=1) %}{% for i in [1,2] %}{% set ns.a = ns.a + i %}{% set y = i %}{% endfor %}{{ ns.a }} {{ y is defined }}", {}),
    ("{% for m in ms if m.role == 'user' %}{{ loop.index }}{{ m.content }}{% else %}none{% endfor %}", {"ms": [{"role": "user", "content": "a"}, {"role": "x", "content": "b"}, {"role": "user", "content": "c"}]}),
    ("{% for m in [] %}x{% else %}empty{% endfor %}", {}),
    ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}{% endif %}{{ i }}{% endfor %}", {}),
    ("{% macro f(a, b='B') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(2, b=3) }}", {}),
    ("{% set a, b = [1, 2] %}{{ a }}{{ b }}{% set c %}in{{ a }}{% endset %}{{ c }}", {}),
    ("{% if a %}A{% elif b %}B{% elif c %}C{% else %}D{% endif %}", {"c": 1}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.items() | list }}", {"d": {"b": 1, "a": 2}}),
    ("{{ loop_var }}{% for x in [1, 2] %}{{ loop.length }}{{ loop.revindex }}{{ loop.first }}{{ loop.previtem is defined }}{{ loop.nextitem }}{{ loop.cycle('a', 'b') }}{% endfor %}", {}),
    ("{%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}{{ index }}{% endfor %}", {"messages": [1, 2, 3]}),
    ("{% for i in [1] %}{% for j in [2] %}{{ loop.index }}{{ i }}{{ j }}{% endfor %}{{ loop.index }}{% endfor %}", {}),
    ("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", {}),
    ("{% set t = 'a' %}{% if true %}{% set t = 'b' %}{% endif %}{{ t }}", {}),
    # tests
    ("{{ x is string }} {{ x is mapping }} {{ y is none }} {{ z is defined }} {{ x is not string }} {{ z is undefined }}", {"x": "s", "y": None}),
    ("{{ 4 is divisibleby 2 }} {{ 3 is odd }} {{ 2 is even }} {{ 1 is number }} {{ 1.5 is float }} {{ 1 is integer }} {{ true is boolean }}", {}),
    ("{{ f is false }} {{ t is true }} {{ 0 is false }} {{ [] is iterable }} {{ {} is sequence }} {{ 'a' is lower }} {{ 'A' is upper }}", {"f": False, "t": True}),
    ("{{ 1 is eq 1 }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 2 is ge 2 }} {{ 2 is in [1, 2] }} {{ none is sameas none }}", {}),
    # filters
    ("{{ x | tojson }}", {"x": {"a": [1, 2.5, "é\n\"", None, True], "b": {}}}),
    ("{{ x | tojson(indent=2) }}", {"x": {"a": [1, 2.5, "é", [], {}], "b": {"c": 1}}}),
    ("{{ x | tojson(indent=4) }}", {"x": [{"name": "f", "parameters": {"type": "object"}}]}),
    ("{{ x | tojson }}", {"x": "\u0001\u2028 😀 \\ / \x7f"}),
    ("{{ x | tojson(ensure_ascii=true) }}", {"x": "é😀"}),
    ("{{ x | tojson(sort_keys=true, separators=(',', ':')) }}", {"x": {"b": 1, "a": [1, 2]}}),
    ("{{ x | tojson }}", {"x": [1e100, 1.5e-7, 123456789.125, -0.0, 3.0, 1e22, 1234567890123456789, -5]}),
    ("{{ xs | length }} {{ 'héllo' | length }} {{ d | length }} {{ d | count }}", {"xs": [1, 2, 3], "d": {"a": 1}}),
    ("{{ x | default('d') }} {{ y | default('d') }} {{ '' | default('d', true) }} {{ none | default('n') }}", {"y": "v"}),
    ("{{ xs | map(attribute='n') | join(', ') }}|{{ xs | selectattr('n', 'equalto', 2) | list }}|{{ [3,1,2] | sort }}|{{ xs | map(attribute='m', default=0) | list }}", {"xs": [{"n": 1}, {"n": 2}]}),
    ("{{ ['a', 'B'] | map('upper') | list }} {{ xs | rejectattr('n') | list }} {{ xs | selectattr('n') | list }}", {"xs": [{"n": 0}, {"n": 2}]}),
    ("{{ 'Hello World' | upper }} {{ 'ßtraße' | upper }} {{ 'hello-world foo(bar)' | title }} {{ 'hELLO' | capitalize }} {{ '  x ' | trim }} {{ 'xxaxx' | trim('x') }}", {}),
    ("{{ d | dictsort }} {{ xs | first }} {{ xs | last }} {{ xs | reverse | list }} {{ xs | max }} {{ xs | min }} {{ xs | sum }} {{ [1,1,2] | unique | list }}", {"d": {"b": 1, "A": 2}, "xs": [3, 1, 2]}),
    ("{{ 'a\\nb' | indent(2) }}|{{ 'a\\n\\nb' | indent(2, true) }}|{{ 'a\\n\\nb' | indent(2, blank=true) }}|{{ 'x y z' | wordcount }}", {}),
    ("{{ 'a-b-c' | replace('-', '+') }} {{ 'a-b-c' | replace('-', '', 1) }} {{ -3 | abs }} {{ 2.567 | round(1) }} {{ 'x' | list }} {{ 'abc' | reverse }}", {}),
    ("{{ d | items | list }} {{ 'a<b>&\"c\\'' | e }} {{ '<b>' | safe }} {{ xs | join }} {{ [xs, xs] | map('join', '-') | list }}", {"d": {"k": "v"}, "xs": ["a", "b"]}),
    ("{{ xs | sort(attribute='n', reverse=true) | map(attribute='n') | list }} {{ ['b', 'A', 'c'] | sort }} {{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}", {"xs": [{"n": 1}, {"n": 3}, {"n": 2}]}),
    # str, dict, list methods
    ("{{ ' a b  '.strip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x','c')) }}", {}),
    ("{{ x.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}|{{ x.split('</think>')[-1].lstrip('\\n') }}", {"x": "<think>\nhmm\n</think>\n\nanswer"}),
    ("{{ 'a b c'.split(' ', 1) }} {{ 'a b c'.rsplit(' ', 1) }} {{ 'AbC'.lower() }} {{ 'AbC'.upper() }} {{ 'hello world'.title() }} {{ 'x'.join(['1', '2']) }}", {}),
    ("{{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'abcabc'.count('bc') }} {{ 'aaa'.replace('a', 'b', 2) }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }}", {}),
    ("{{ d.get('a') }} {{ d.get('z', 5) }} {{ d.get('z') }} {{ d['a'] }} {{ d.a }} {{ d.keys() | list }} {{ d.values() | list }}", {"d": {"a": 1}}),
    ("{{ xs.index(2) }} {{ xs.count(1) }} {{ 'line1\\nline2\\r\\nline3'.splitlines() }}", {"xs": [1, 2, 1]}),
    ("{{ '\\u00a0x\\u3000'.strip() | length }} {{ 'x\\x1c'.strip() }}|{{ '\\u200bx'.strip() | length }}", {}),
    # the idioms of Qwen-family templates
    ("{{ x.content is string and not(x.content.startswith('<tool_response>') and x.content.endswith('</tool_response>')) }}", {"x": {"content": "<tool_response>x</tool_response>"}}),
    ("{%- if tools %}T{%- else %}N{%- endif %}", {"tools": None}),
    ("{%- if enable_thinking is defined and enable_thinking is false %}off{% else %}on{% endif %}", {"enable_thinking": False}),
    ("{%- set x = 'é' %}{{ x | tojson }}{{ x | length }}", {}),
    ("{{ '%' }}{{ 'a%sb' }}", {}),
    ("{%- for tool_call in calls %}{%- if tool_call.function %}{%- set tool_call = tool_call.function %}{%- endif %}{{ tool_call.name }};{% endfor %}", {"calls": [{"function": {"name": "a"}}, {"name": "b"}]}),
    ("{{ (messages | selectattr('role', 'equalto', 'user') | list | length) }} {{ messages | map(attribute='role') | unique | join(',') }}", {"messages": [{"role": "user"}, {"role": "assistant"}, {"role": "user"}]}),
    ("{{- bos_token }}{%- for m in messages %}{{ '<|' + m['role'] + '|>\\n' + m['content'] | trim + '\\n' }}{%- endfor %}", {"bos_token": "<s>", "messages": [{"role": "user", "content": "  hi  "}]}),
]


def random_conversations(count, seed):
    rng = random.Random(seed)
    texts = ["Hello", "  spaced  ", "\nleading newline", "trailing\n", "多语言 ✅", "<tool_response>\nx\n</tool_response>",
             "a'b\"c\\d", "", "line1\r\nline2", "What is 2+2? /no_think"]

    def content():
        return rng.choice(texts + [rng.choice(texts) + " " + rng.choice(texts)])

    def assistant():
        m = {"role": "assistant"}
        r = rng.random()
        if r < 0.3:
            m["content"] = "<think>\n" + content() + "\n</think>\n\n" + content()
        elif r < 0.4:
            m["content"], m["reasoning_content"] = content(), content()
        elif r < 0.5:
            m["content"] = None
        else:
            m["content"] = content()
        if rng.random() < 0.3:
            calls = []
            for _ in range(rng.randint(1, 3)):
                args = ({"q": content(), "n": rng.randint(0, 9), "f": 1.5, "ok": True, "nested": {"l": [1, None, "x"]}}
                        if rng.random() < 0.6 else json.dumps({"q": content()}))
                call = {"name": rng.choice(["search", "get_time"]), "arguments": args}
                calls.append({"type": "function", "function": call} if rng.random() < 0.8 else call)
            m["tool_calls"] = calls
        return m

    out = []
    while len(out) < count:
        msgs = [{"role": "system", "content": content()}] if rng.random() < 0.5 else []
        for _ in range(rng.randint(1, 6)):
            r = rng.random()
            if r < 0.4:
                msgs.append({"role": "user", "content": content()})
            elif r < 0.75:
                msgs.append(assistant())
            elif r < 0.9:
                msgs.append({"role": "tool", "content": content()})
            else:
                msgs.append({"role": "system", "content": content()})
        case = {"messages": msgs, "add_generation_prompt": rng.random() < 0.6}
        if rng.random() < 0.5:
            case["tools"] = [{"type": "function", "function": {
                "name": "search", "description": "Find ✅ things",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}]
        if rng.random() < 0.7:
            case["enable_thinking"] = rng.random() < 0.5
        out.append(case)
    return out


def main():
    out = []
    for template, variables in CASES:
        out.append({"template": template, "variables": variables, "text": env.from_string(template).render(**variables)})
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jinja_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(out)} cases to {path}")

    here = os.path.dirname(os.path.abspath(__file__))
    shared = os.environ.get("Q3C_SHARED_DIR", os.path.join(here, "..", "..", "..", "shared"))
    with open(os.path.join(shared, "tokenizer", "qwen3-chat-template.jinja"), encoding="utf-8") as f:
        qwen3 = env.from_string(f.read())
    chats = random_conversations(80, 5)
    for c in chats:
        c["text"] = qwen3.render(messages=c["messages"], tools=c.get("tools"), add_generation_prompt=c["add_generation_prompt"],
                                 **({"enable_thinking": c["enable_thinking"]} if "enable_thinking" in c else {}))
    path = os.path.join(here, "chat_cases.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(chats, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(chats)} conversations to {path}")


if __name__ == "__main__":
    main()
