--[[
book/finish.lua: the last touches for one output format, on the whole book.

In the EPUB and in the printed (PDF) book, links to the source pages (build/book/src/) lead
nowhere, so they become plain text; the file name and line range stay in the caption.
]]
local print_version = false

local function Meta(meta)
  print_version = meta.print ~= nil
end

local function Link(el)
  if (FORMAT:match("epub") or print_version) and el.classes:includes("source-link") then
    return el.content
  end
end

-- The index at the end of book.json (booktool.py book_index) gives page numbers: the PDF's
-- alone. The EPUB has no pages, so it goes there.
local function Div(el)
  if not print_version and el.classes:includes("book-index") then
    return {}
  end
end

-- On paper and in the EPUB a listing is black, its comments grey and italic (book.css's
-- `code span.co`): the colours of the other kinds of token are the screen's alone. So these two
-- formats do not run Pandoc's highlighter over the book's thousand listings (three quarters of
-- their Pandoc time); this marks the comments itself, per language, and writes the HTML Pandoc
-- would have written, less the other spans. A comment span never crosses a line (booktool.py
-- print folds the long lines of the print version one at a time).
local LANGS = {
  c          = { line = "//", block = true, quotes = "\"'" },
  aarch64asm = { line = "//", block = true, quotes = "\"" },
  ldscript   = { block = true },
  makefile   = { hash = true },
  bash       = { hash = true, word = true, quotes = "\"'" },
  python     = { hash = true, quotes = "\"'" },
  diff       = {},
}

local function escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"))
end

local function mark_comments(text, lang)
  local out, i, n = {}, 1, #text
  local plain_from = 1
  local function flush(upto)
    if upto >= plain_from then table.insert(out, escape(text:sub(plain_from, upto))) end
  end
  local function comment(from, to)     -- text[from..to], a line at a time
    for piece, nl in text:sub(from, to):gmatch("([^\n]*)(\n?)") do
      if piece ~= "" then table.insert(out, '<span class="co">' .. escape(piece) .. "</span>") end
      table.insert(out, nl)
      if nl == "" then break end
    end
    plain_from = to + 1
  end
  while i <= n do
    local c = text:sub(i, i)
    if lang.quotes and lang.quotes:find(c, 1, true) then
      local j = i + 1                  -- to the closing quote on the same line, past escapes
      while j <= n do
        local d = text:sub(j, j)
        if d == "\\" then j = j + 1 elseif d == c or d == "\n" then break end
        j = j + 1
      end
      i = j + 1
    elseif lang.block and text:sub(i, i + 1) == "/*" then
      flush(i - 1)
      local e = text:find("*/", i + 2, true)
      e = e and e + 1 or n
      comment(i, e)
      i = e + 1
    elseif (lang.line and text:sub(i, i + #lang.line - 1) == lang.line)
        or (lang.hash and c == "#" and (not lang.word or i == 1 or text:sub(i - 1, i - 1):match("%s"))
            and text:sub(i - 1, i - 1) ~= "$") then
      flush(i - 1)
      local e = text:find("\n", i, true)
      e = e and e - 1 or n
      comment(i, e)
      i = e + 1
    else
      i = i + 1
    end
  end
  flush(n)
  return table.concat(out)
end

local function CodeBlock(el)
  local lang = el.classes[1]
  if not (FORMAT:match("epub") or print_version) or not lang or not LANGS[lang] then
    return nil
  end
  local classes = table.concat(el.classes, " ")
  local id = el.identifier ~= "" and (' id="' .. el.identifier .. '"') or ""
  return pandoc.RawBlock("html", '<div class="sourceCode"' .. id .. '><pre class="sourceCode ' .. classes
    .. '"><code class="sourceCode ' .. lang .. '">' .. mark_comments(el.text, LANGS[lang])
    .. "</code></pre></div>")
end

return { { Meta = Meta }, { Link = Link, Div = Div, CodeBlock = CodeBlock } }
