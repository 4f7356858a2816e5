using System.Text;
using Microsoft.AspNetCore.Http;

namespace Electra.Server.Http;

/// <summary>TEI's /tokenize and /decode: the model's tokenizer alone (no queue, no forward pass).</summary>
internal static class TokenizerRoutes
{
    public static async Task Tokenize(HttpContext http, ServerContext s)
    {
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.TokenizeRequest);
        var (texts, isBatch) = RequestInputs.Texts(req.Inputs);
        s.CheckBatch(texts.Count, isBatch);
        if (req.PromptName is not null) throw new ApiError(ErrorType.Validation, "Input validation error: prompt_name is not supported: the model has no prompts", 422);
        var tokenizer = s.Model.Pipeline.Tokenizer;
        var result = new List<List<SimpleToken>>(texts.Count);
        foreach (var text in texts)
        {
            if (text.Length == 0) throw new ApiError(ErrorType.Empty, "Input validation error: `inputs` cannot be empty");
            var e = tokenizer.Encode(text, null, new Electra.Tokenizer.EncodeOptions { AddSpecialTokens = req.AddSpecialTokens });
            var bytes = Utf8Offsets(text);
            var tokens = new List<SimpleToken>(e.Length);
            for (int i = 0; i < e.Length; i++)
            {
                if (e.SpecialTokensMask[i] != 0)
                {
                    tokens.Add(new SimpleToken(e.InputIds[i], e.Tokens[i], true, null, null));
                    continue;
                }
                var o = e.Offsets[i];
                // TEI reports UTF-8 byte offsets (the Rust tokenizers' offsets) and the text between them.
                tokens.Add(new SimpleToken(e.InputIds[i], text[o.Start..o.End], false, bytes[o.Start], bytes[o.End]));
            }
            result.Add(tokens);
        }
        await ServerContext.WriteAsync(http, result, ServerJson.Tei.ListListSimpleToken);
    }

    public static async Task Decode(HttpContext http, ServerContext s)
    {
        var req = await ServerContext.ReadAsync(http, ServerJson.Tei.DecodeRequest);
        var (lists, isBatch) = RequestInputs.IdLists(req.Ids);
        s.CheckBatch(lists.Count, isBatch, "ids");
        var tokenizer = s.Model.Pipeline.Tokenizer;
        var texts = new List<string>(lists.Count);
        foreach (var ids in lists)
        {
            if (ids.Length == 0) throw new ApiError(ErrorType.Empty, "Input validation error: `input_ids` cannot be empty");
            foreach (var id in ids)
                if (id >= tokenizer.Vocabulary.Count)
                    throw new ApiError(ErrorType.Tokenizer, $"tokenizer error: id {id} is not in the vocabulary ({tokenizer.Vocabulary.Count} tokens)");
            texts.Add(tokenizer.Decode(ids, req.SkipSpecialTokens));
        }
        await ServerContext.WriteAsync(http, texts, ServerJson.Tei.ListString);
    }

    /// <summary>bytes[i] = UTF-8 length of text[..i], for every UTF-16 index 0..Length.</summary>
    internal static int[] Utf8Offsets(string text)
    {
        var bytes = new int[text.Length + 1];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            int n = c < 0x80 ? 1 : c < 0x800 ? 2 : char.IsSurrogate(c) ? 2 : 3;   // a surrogate pair is 4 bytes: 2 + 2
            bytes[i + 1] = bytes[i] + n;
        }
        return bytes;
    }
}
