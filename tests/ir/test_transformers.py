"""Transformer ops and zoo models: parameters exactly as released, MACs in closed form, and
the ops' checks (issue 17)."""

from __future__ import annotations

import pytest

from accelsim import AccelsimError, LayerSpec, build_network, load_net

D, FF, LAYERS, HEADS = 768, 3072, 12, 12


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("bert_base", 109_482_240),  # Hugging Face bert-base-uncased BertModel, pooler included
        ("gpt2", 124_439_808),  # Hugging Face gpt2 (the output layer tied to the token table)
        ("vit_b16", 86_567_656),  # timm vit_base_patch16_224
        ("mobilebert", 24_581_888),  # Hugging Face MobileBertModel, no pooler
    ],
)
def test_parameters_exactly_as_released(name: str, params: int) -> None:
    assert load_net(name).params == params


def block_macs(tokens: int, attended: int) -> int:
    """One encoder/decoder block: Q, K, V, output projections and the MLP per token, plus
    scores and context (tokens x attended x d each)."""
    return tokens * (4 * D * D + 2 * D * FF) + 2 * tokens * attended * D


def test_macs_in_closed_form() -> None:
    seq = 128
    assert load_net("bert_base").macs == LAYERS * block_macs(seq, seq) + D * D  # pooler: one token
    assert load_net("bert_base", params={"seq": 384}).macs == LAYERS * block_macs(384, 384) + D * D
    vocab = 50257
    assert load_net("gpt2").macs == LAYERS * block_macs(seq, seq) + seq * D * vocab
    # a decode step: one token attends to the 511 cached ones and itself
    step = load_net("gpt2", params={"seq": 1, "past": 511})
    assert step.macs == LAYERS * block_macs(1, 512) + D * vocab
    # ViT-B/16: 196 patches (a 16x16x3 window each) and 197 tokens; '17.6 GFLOPs' are MACs
    vit = load_net("vit_b16")
    patches = 196 * D * 16 * 16 * 3
    assert vit.macs == patches + LAYERS * block_macs(197, 197) + D * 1000
    assert vit.macs == pytest.approx(17.6e9, rel=0.005)


def test_decoder_shapes_grow_with_the_cache() -> None:
    step = load_net("gpt2", params={"seq": 1, "past": 99})
    assert step.layer("h_1/attn/k_cache").output_shape == (100, D)
    assert step.layer("h_1/attn/k_heads").output_shape == (HEADS, D // HEADS, 100)
    assert step.layer("h_1/attn/scores").output_shape == (HEADS, 1, 100)
    assert step.layer("lm_head").output_shape == (1, 50257)
    assert step.layer("lm_head").params == 0  # its weights are wte's
    assert step.layer("wte").params == 50257 * D


def specs(*extra: LayerSpec) -> list[LayerSpec]:
    return [LayerSpec("tok", "embedding", ("input",), {"vocab": 100, "out": 64}), *extra]


@pytest.mark.parametrize(
    ("layers", "shape", "message"),
    [
        (specs(), (4, 2), r"embedding\) needs token ids of shape \(tokens,\)"),
        (specs(LayerSpec("c", "kv_cache", ("tok",), {"past": -1})), (4,), "past must be an integer >= 0"),
        (specs(LayerSpec("h", "split_heads", ("tok",), {"heads": 5})), (4,), "divisible by 5 heads"),
        (
            specs(LayerSpec("o", "linear", ("tok",), {"out": 100, "last_axis": True, "tied": "tk"})),
            (4,),
            r"tied to 'tk'; expected an earlier layer with weights of its own \(did you mean 'tok'\?\)",
        ),
        (
            specs(LayerSpec("o", "linear", ("tok",), {"out": 99, "last_axis": True, "tied": "tok"})),
            (4,),
            "which has 6,400 weights; expected 6,336",
        ),
        (
            specs(
                LayerSpec("a", "split_heads", ("tok",), {"heads": 2}),
                LayerSpec("m", "matmul", ("a", "a")),
            ),
            (4,),
            r"shapes \(2, 4, 32\) and \(2, 4, 32\) do not multiply",
        ),
        (specs(LayerSpec("t", "transpose", ("tok",), {"perm": [0, 0]})), (4,), "perm must be a permutation"),
    ],
)
def test_bad_transformer_layers_name_the_layer(layers: list[LayerSpec], shape: tuple, message: str) -> None:
    with pytest.raises(AccelsimError, match=message):
        build_network("t", shape, layers)


def test_norms_count_parameters_per_feature() -> None:
    net = build_network(
        "t",
        (8, 64),
        [
            LayerSpec("ln", "layernorm", ("input",)),
            LayerSpec("rms", "rmsnorm", ("ln",)),
            LayerSpec("no", "nonorm", ("rms",)),
            LayerSpec("g", "gelu", ("no",)),
        ],
    )
    assert [layer.params for layer in net.layers] == [128, 64, 128, 0]
    assert [layer.vector_ops for layer in net.layers] == [5 * 512, 3 * 512, 512, 512]


# Edge language models (issue 32): grouped-query attention, SwiGLU, RoPE, tied or untied heads.
LLAMA_FAMILY = {  # name: (layers, d, heads, kv_heads, head_dim, ffn, vocab, tied, qkv_bias, params)
    "llama3_2_1b": (16, 2048, 32, 8, 64, 8192, 128256, True, False, 1_235_814_400),
    "qwen2_5_0_5b": (24, 896, 14, 2, 64, 4864, 151936, True, True, 494_032_768),
    "tinyllama_1_1b": (22, 2048, 32, 4, 64, 5632, 32000, False, False, 1_100_048_384),
    "smollm2_135m": (30, 576, 9, 3, 64, 1536, 49152, True, False, 134_515_008),
}


@pytest.mark.parametrize("name", sorted(LLAMA_FAMILY))
def test_llama_family_parameters_and_macs_in_closed_form(name: str) -> None:
    layers, d, heads, kv, hd, ffn, vocab, tied, bias, params = LLAMA_FAMILY[name]
    q, kv_width = heads * hd, kv * hd
    per_layer = d * q + 2 * d * kv_width + q * d + 3 * d * ffn + 2 * d  # projections, MLP, 2 norms
    per_layer += (q + 2 * kv_width) if bias else 0
    counted = layers * per_layer + d + vocab * d * (1 if tied else 2)  # final norm, embedding (and head)
    net = load_net(name)
    assert net.params == counted == params
    for seq, past in ((128, 0), (1, 511)):
        step = load_net(name, params={"seq": seq, "past": past})
        attended = past + seq
        token_macs = d * q + 2 * d * kv_width + q * d + 3 * d * ffn + 2 * heads * hd * attended
        assert step.macs == seq * (layers * token_macs + d * vocab)


def test_grouped_query_heads_share_their_key_and_value_heads() -> None:
    """Llama 3.2 1B: 32 query heads in 8 groups of 4, one key and value head each; the cache
    holds 8 heads (a quarter of multi-head attention's), and RoPE costs 3 vector ops per
    element of the queries and keys."""
    step = load_net("llama3_2_1b", params={"seq": 1, "past": 99})
    layer = "h_1/attn/"
    assert step.layer(layer + "k_cache").output_shape == (100, 8 * 64)
    assert step.layer(layer + "q_heads").output_shape == (8, 4, 64)  # 4 query heads per group
    assert step.layer(layer + "k_heads").output_shape == (8, 64, 100)
    assert step.layer(layer + "scores").output_shape == (8, 4, 100)
    assert step.layer(layer + "merged").output_shape == (1, 2048)
    assert step.layer(layer + "q_rope").vector_ops == 3 * 2048
    assert step.layer(layer + "k_rope").vector_ops == 3 * 512
    assert step.layer("lm_head").params == 0  # tied to the embedding
    assert load_net("tinyllama_1_1b").layer("lm_head").params == 32000 * 2048  # its own


@pytest.mark.parametrize(
    ("attrs", "message"),
    [
        ({"heads": 6, "kv_heads": 4}, "6 heads do not divide into 4 kv_heads"),
        ({"heads": 4, "kv_heads": 0}, "kv_heads"),
    ],
)
def test_grouped_heads_that_do_not_divide_are_refused(attrs: dict, message: str) -> None:
    with pytest.raises(AccelsimError, match=message):
        build_network("bad", (4,), specs(LayerSpec("h", "split_heads", ("tok",), attrs)))
