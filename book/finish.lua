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

return { { Meta = Meta }, { Link = Link, Div = Div } }
