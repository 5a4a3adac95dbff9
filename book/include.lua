--[[
book/include.lua: the Pandoc filter that puts the steps' code into the chapters.

It runs once per chapter (`pandoc chapters/02-uart.md --lua-filter book/include.lua -t json`),
from the top of the tree, so every path is relative to it. What it does:

  ```{.c include="steps/02-uart/uart.c" anchor="uart_init"}```
      the lines between `ANCHOR: uart_init` and `ANCHOR_END: uart_init` of that file, with every
      marker line left out, common indentation removed and tabs expanded, as a numbered listing
      whose caption names the file and the line range and links to the file.
  ```{.c include="steps/01-boot/link.ld"}```                   the whole file
  ```{.c include="steps/01-boot/boot.S" lines="10-20"}```      lines 10 to 20 ("10-", "-20", "7")
  ```{.diff from="01-boot" to="02-uart" file="main.c"}```      diff -u of one file between steps
  ```{.diffstat from="01-boot" to="02-uart"}```                the step's diffstat
  ```{.markdown include="build/book/generated/05-interrupts-bench.md"}```
      Markdown the build generated (a table of measurements), put in the chapter as if it were
      written there; a rule in chapters/figures/*.mk makes the file (see book/README.md)
  ```{.exercises step="02-uart"}```            the step's exercises (from its EXERCISE: markers)

An optional caption="..." (Markdown) is added to a listing's caption. Chapter titles get their
number from the file name (01-boot.md is chapter 1, appendix-a-*.md is appendix A) unless they
already start with it ("Step 01: ...", "Appendix A: ..."); listings are numbered 1.1, 1.2, ...; headings get
ids that are unique in the whole book, and links to other chapters (`02-uart.md`,
`02-uart.md#some-id`) or to step sources (`../steps/01-boot/main.c`) are pointed inside the book.

Any mistake (missing file, anchor not found, duplicated or unbalanced anchor, bad attribute) is
reported as `chapters/02-uart.md: anchor 'uart_init' not found in steps/02-uart/uart.c`, every
one of them, and pandoc exits with status 1 without writing its output.

Next to its output (build/book/ast/02-uart.json) it writes 02-uart.uses: which lines of which
files the chapter shows, for the checks and for `make book-coverage`; and 02-uart.d, the files
it read, for make.
]]

local TABSTOP = 8

local chapter = PANDOC_STATE.input_files[1] or "stdin"
local stem = chapter:match("([^/]+)%.md$") or chapter
local script_dir = (PANDOC_SCRIPT_FILE or "book/include.lua"):match("^(.*)/[^/]*$") or "."

-- The chapter's label: "1" for 01-boot, "A" for appendix-a-..., nil for 00-preface.
local label
do
  local n = stem:match("^(%d+)%-")
  if n and tonumber(n) > 0 then
    label = tostring(tonumber(n))
  end
  local a = stem:match("^appendix%-(%a)%-") or stem:match("^appendix%-(%a)$")
  if a then
    label = a:upper()
  end
end

-- Author's class -> the syntax Pandoc highlights it with (two are ours: book/syntax/*.xml).
local LANG = {
  c = "c", h = "c",
  asm = "aarch64asm", S = "aarch64asm",
  ld = "ldscript",
  make = "makefile", makefile = "makefile",
  python = "python", py = "python",
  sh = "bash", bash = "bash",
  diff = "diff",
}
-- Code in these languages is the kernel: it must come from the steps, never be pasted.
local KERNEL = { c = true, aarch64asm = true, ldscript = true }

local errors = {}
local records = {}
local listings = 0

local function fail(fmt, ...)
  table.insert(errors, chapter .. ": " .. string.format(fmt, ...))
end

local function record(...)
  table.insert(records, table.concat({ ... }, "\t"))
end

-- ------------------------------------------------------------------------------------------
-- Source files and their anchors

local files = {}

local function read_lines(path)
  local f = io.open(path, "rb")
  if not f then
    return nil
  end
  local text = f:read("a")
  f:close()
  local lines = {}
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\r?\n") do
    table.insert(lines, line)
  end
  if text == "" then
    lines = {}
  end
  return lines
end

-- book/booktool.py runs the build's Python steps; it prints its answer, or "ERROR: message" as
-- its first line. The first pass queues the chapter's diff, stat, files and exercises requests
-- (prefetch); the first of them asked for runs them all in one `booktool.py batch`, whose
-- answers are then read from `answers`. A request the batch could not answer runs alone.
local queued, queued_list, answers = {}, {}, {}

local function prefetch(args)
  for _, a in ipairs(args) do
    if a:find("[\t\n\0]") then return end
  end
  local key = table.concat(args, "\t")
  if not queued[key] then
    queued[key] = true
    table.insert(queued_list, key)
  end
end

local function batch()
  local list = queued_list
  queued_list = {}
  local ok, out = pcall(pandoc.pipe, "python3", { "-S", script_dir .. "/booktool.py", "batch" },
    table.concat(list, "\n") .. "\n")
  if not ok then return end
  local i = 0
  for answer in out:gmatch("([^\0]*)\0") do
    i = i + 1
    if list[i] and answer ~= "\1" then answers[list[i]] = answer end
  end
end

-- An answer of the tool, or nil after reporting the error it starts with.
local function checked(out)
  local msg = out:match("^ERROR: ([^\n]*)")
  if msg then
    fail("%s", msg)
    return nil
  end
  return out
end

local function tool(args)
  local key = table.concat(args, "\t")
  if queued[key] and answers[key] == nil and #queued_list > 0 then
    batch()
  end
  if answers[key] ~= nil then
    return checked(answers[key])
  end
  local ok, out = pcall(pandoc.pipe, "python3", { "-S", script_dir .. "/booktool.py", table.unpack(args) }, "")
  if not ok then
    fail("book/booktool.py %s failed: %s", table.concat(args, " "), tostring(out.output or out))
    return nil
  end
  return checked(out)
end

-- The anchor grammar lives in book/booktool.py alone (`booktool.py anchors FILE...`): which lines
-- are markers, each anchor's (start, stop) marker lines, and the problems of the file's anchors
-- (duplicated, unbalanced) in the words every reader of the sources reports them. The filter
-- only reads the files' lines. A first pass collects every file the chapter includes or links
-- to, so that one run of the tool answers for all of them.
local wanted, wanted_list = {}, {}
local function want(path)
  if path and not wanted[path] then
    wanted[path] = true
    table.insert(wanted_list, path)
  end
end

local function load(path)
  if files[path] ~= nil then
    return files[path]
  end
  want(path)
  local ask = {}
  for _, p in ipairs(wanted_list) do
    if files[p] == nil then table.insert(ask, p) end
  end
  for _, p in ipairs(ask) do files[p] = false end
  local out = tool({ "anchors", table.unpack(ask) })
  local info
  for line in (out or ""):gmatch("[^\n]+") do
    local f = {}
    for x in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(f, x) end
    if f[1] == "file" then
      info = { path = f[2], lines = read_lines(f[2]), is_marker = {}, anchors = {}, problems = {} }
      files[f[2]] = info.lines and info or false
    elseif f[1] == "missing" then
      files[info.path] = false
    elseif f[1] == "markers" then
      for k = 2, #f do
        if f[k] ~= "" then info.is_marker[tonumber(f[k])] = true end
      end
    elseif f[1] == "anchor" then
      info.anchors[f[2]] = { tonumber(f[3]), tonumber(f[4]) }
    elseif f[1] == "problem" then
      table.insert(info.problems, f[2])
    end
  end
  return files[path]
end

-- The file of the tree a link names (relative to chapters/, as GitHub reads it), or nil.
local function link_source(target)
  if target:match("^%a[%w+.-]*:") or target:match("^#") then
    return nil
  end
  local path = target:match("^([^#]*)")
  return path:match("^%.%./(.+)$") or path:match("^(steps/.+)$")
end

local collect_change, changed_listing  -- below, with the changed listings

local function collect(el)
  if el.t == "CodeBlock" then
    collect_change(el)
    local a = el.attributes
    if el.classes:includes("diff") and a.from and a.to and a.file then
      prefetch({ "diff", a.from, a.to, a.file })
    elseif el.classes:includes("diffstat") and a.from and a.to then
      prefetch({ "stat", a.from, a.to })
      prefetch({ "files", a.from, a.to })
    elseif el.classes:includes("exercises") and a.step then
      prefetch({ "exercises", a.step })
      prefetch({ "files", a.step, a.step })
    end
    if el.attributes.include and not el.classes:includes("markdown") then
      want(el.attributes.include)
    end
  else
    local src = link_source(el.target)
    if src and not src:match("/$") then want(src) end
  end
end

-- Report a file's anchor problems once, on the first include from it.
local reported = {}
local function check_file(info)
  if reported[info.path] then
    return #info.problems == 0
  end
  reported[info.path] = true
  for _, p in ipairs(info.problems) do
    fail("%s", p)
  end
  return #info.problems == 0
end

-- ------------------------------------------------------------------------------------------
-- Text

local function expand_tabs(line)
  if not line:find("\t", 1, true) then
    return line
  end
  local out, col = {}, 0
  for ch in line:gmatch(utf8 and utf8.charpattern or ".") do
    if ch == "\t" then
      local n = TABSTOP - col % TABSTOP
      table.insert(out, string.rep(" ", n))
      col = col + n
    else
      table.insert(out, ch)
      col = col + 1
    end
  end
  return table.concat(out)
end

-- Lines numbered `nums` of the file: tabs expanded, the indentation they share removed,
-- blank lines at either end dropped. Returns the text and the numbers actually shown.
local function excerpt(info, nums)
  local lines = {}
  for _, i in ipairs(nums) do
    table.insert(lines, { i, (expand_tabs(info.lines[i]):gsub("%s+$", "")) })
  end
  while #lines > 0 and lines[1][2] == "" do table.remove(lines, 1) end
  while #lines > 0 and lines[#lines][2] == "" do table.remove(lines) end
  local indent
  for _, l in ipairs(lines) do
    if l[2] ~= "" then
      local n = #l[2]:match("^ *")
      indent = indent and math.min(indent, n) or n
    end
  end
  local text, shown = {}, {}
  for _, l in ipairs(lines) do
    table.insert(text, l[2]:sub((indent or 0) + 1))
    table.insert(shown, l[1])
  end
  return table.concat(text, "\n"), shown
end

-- "3-7,9,12-20" from a sorted list of numbers.
local function ranges(nums)
  local out, i = {}, 1
  while i <= #nums do
    local j = i
    while j < #nums and nums[j + 1] == nums[j] + 1 do j = j + 1 end
    table.insert(out, nums[i] == nums[j] and tostring(nums[i]) or (nums[i] .. "-" .. nums[j]))
    i = j + 1
  end
  return table.concat(out, ",")
end

local function slug(s)
  s = s:lower():gsub("[^%w%s_%-%.]", ""):gsub("%s+", "-"):gsub("^[^%a]+", "")
  return s ~= "" and s or "section"
end

local function source_href(path, line)
  return "src/" .. path .. ".html" .. (line and ("#L" .. line) or "")
end

-- ------------------------------------------------------------------------------------------
-- Blocks

local function caption_block(number, id, parts, extra)
  local inlines = {}
  if number then
    table.insert(inlines, pandoc.Span({ pandoc.Str(number) }, pandoc.Attr("", { "listing-number" })))
    table.insert(inlines, pandoc.Space())
  end
  for _, x in ipairs(parts) do
    table.insert(inlines, x)
  end
  if extra and extra ~= "" then
    local doc = pandoc.read(extra, "markdown")
    if doc.blocks[1] and doc.blocks[1].content then
      table.insert(inlines, pandoc.Str(" —"))
      table.insert(inlines, pandoc.Space())
      for _, x in ipairs(doc.blocks[1].content) do table.insert(inlines, x) end
    end
  end
  return pandoc.Div({ pandoc.Plain(inlines) }, pandoc.Attr("", { "listing-caption" }))
end

local function source_link(path, line)
  return pandoc.Link({ pandoc.Code(path) }, source_href(path, line), "", pandoc.Attr("", { "source-link" }))
end

local function next_listing(el)
  listings = listings + 1
  local number = string.format("Listing %s.%d", label or "0", listings)
  local id = el.identifier ~= "" and el.identifier or string.format("%s-listing-%d", stem, listings)
  return number, id
end

local function lang_of(el)
  for _, c in ipairs(el.classes) do
    if LANG[c] then
      return LANG[c], c
    end
  end
end

local ALLOWED = {
  include = { include = true, anchor = true, lines = true, caption = true, ["changed-from"] = true },
  markdown = { include = true },
  diff = { from = true, to = true, file = true, caption = true },
  diffstat = { from = true, to = true, caption = true },
}

local function bad_attributes(el, kind)
  local ok = true
  for k, _ in pairs(el.attributes) do
    if not ALLOWED[kind][k] then
      fail("unknown attribute %s=\"%s\" on a %s block", k, el.attributes[k], kind)
      ok = false
    end
  end
  return not ok
end

local function include_block(el)
  if bad_attributes(el, "include") then return nil end
  local a = el.attributes
  local path, anchor, lines = a.include, a.anchor, a.lines
  if el.text:match("%S") then
    fail("the block including %s%s is not empty: the code comes from the file, leave the block empty",
      path, anchor and (" (anchor '" .. anchor .. "')") or "")
    return nil
  end
  local info = load(path)
  if not info then
    fail("file %s not found", path)
    return nil
  end
  if not check_file(info) and (anchor == nil or info.anchors[anchor] == nil) then
    return nil
  end
  local nums = {}
  local what
  if anchor and lines then
    fail("anchor='%s' and lines='%s' together on an include of %s: use one of them", anchor, lines, path)
    return nil
  elseif anchor then
    local r = info.anchors[anchor]
    if not r then
      fail("anchor '%s' not found in %s", anchor, path)
      return nil
    end
    for i = r[1] + 1, r[2] - 1 do
      if not info.is_marker[i] then table.insert(nums, i) end
    end
  else
    local first, last = 1, #info.lines
    if lines then
      local f, l = lines:match("^%s*(%d*)%s*%-%s*(%d*)%s*$")
      if not f then
        f = lines:match("^%s*(%d+)%s*$")
        l = f
      end
      if not f or (f == "" and l == "") then
        fail("lines='%s' on an include of %s: write lines=\"10-20\", \"10-\", \"-20\" or \"7\"", lines, path)
        return nil
      end
      first = f ~= "" and tonumber(f) or 1
      last = l ~= "" and tonumber(l) or #info.lines
      if first < 1 or last > #info.lines or first > last then
        fail("lines='%s' out of range: %s has %d lines", lines, path, #info.lines)
        return nil
      end
    end
    for i = first, last do
      if not info.is_marker[i] then table.insert(nums, i) end
    end
  end
  local text, shown = excerpt(info, nums)
  if #shown == 0 then
    fail("%s of %s shows no lines", anchor and ("anchor '" .. anchor .. "'") or ("lines '" .. tostring(lines) .. "'"), path)
    return nil
  end
  record("show", path, anchor or "-", ranges(shown))

  local number, id = next_listing(el)
  local lang, given = lang_of(el)
  local classes = { lang or given }
  if not lang then
    for _, c in ipairs(el.classes) do table.insert(classes, c) end
  end
  local first, last = shown[1], shown[#shown]
  local where = first == last and string.format(", line %d", first)
      or string.format(", lines %d–%d", first, last)
  local cap = caption_block(number, nil, { source_link(path, first), pandoc.Str(where) }, a.caption)
  record("listing", tostring(listings), path, anchor or "-")
  if a["changed-from"] then
    if not anchor then
      fail("changed-from=\"%s\" on an include of %s without anchor=: only an anchor's region can be compared",
        a["changed-from"], path)
      return nil
    end
    return changed_listing(number, id, cap, text, shown, classes, path, anchor, a["changed-from"])
  end
  local code = pandoc.CodeBlock(text, pandoc.Attr("", classes, {}))
  return pandoc.Div({ cap, code }, pandoc.Attr(id, { "listing" }, {}))
end

-- Generated Markdown read so far, and the files behind a diffstat (for the .d file): path -> true.
local generated = {}

-- A Markdown file the build generated (build/...): parsed and put in the chapter as its blocks.
-- Plain Markdown only (a table, paragraphs): the filter does not look inside it again.
local function markdown_block(el)
  if bad_attributes(el, "markdown") then return nil end
  local path = el.attributes.include
  if el.text:match("%S") then
    fail("the block including %s is not empty: the text comes from the file, leave the block empty", path)
    return nil
  end
  local f = io.open(path, "rb")
  if not f then
    fail("file %s not found (generated text is made by a rule in chapters/figures/*.mk that adds it to BOOK_GENERATED)", path)
    return nil
  end
  local text = f:read("a")
  f:close()
  generated[path] = true
  return pandoc.Div(pandoc.read(text, "markdown").blocks, pandoc.Attr("", { "generated" }, {}))
end

local function diff_block(el)
  if bad_attributes(el, "diff") then return nil end
  local a = el.attributes
  if not (a.from and a.to and a.file) then
    fail("a .diff block needs from=, to= and file= (has from=%s to=%s file=%s)",
      tostring(a.from), tostring(a.to), tostring(a.file))
    return nil
  end
  local out = tool({ "diff", a.from, a.to, a.file })
  if not out then return nil end
  record("diff", a.from, a.to, a.file)
  local number, id = next_listing(el)
  local to_path = "steps/" .. a.to .. "/" .. a.file
  local cap = caption_block(number, nil, {
    pandoc.Str("Changes"), pandoc.Space(), pandoc.Str("to"), pandoc.Space(), source_link(to_path),
    pandoc.Space(), pandoc.Str("since"), pandoc.Space(), pandoc.Code(a.from) }, a.caption)
  if out == "" then
    out = "(no changes)"
  end
  local code = pandoc.CodeBlock(out:gsub("\n$", ""), pandoc.Attr("", { "diff" }, {}))
  return pandoc.Div({ cap, code }, pandoc.Attr(id, { "listing", "listing-diff" }, {}))
end

local function diffstat_block(el)
  if bad_attributes(el, "diffstat") then return nil end
  local a = el.attributes
  if not (a.from and a.to) then
    fail("a .diffstat block needs from= and to= (has from=%s to=%s)", tostring(a.from), tostring(a.to))
    return nil
  end
  local out = tool({ "stat", a.from, a.to })
  if not out then return nil end
  record("diffstat", a.from, a.to)
  -- Every file of both steps changes the numbers: all of them go into the .d file.
  for path in (tool({ "files", a.from, a.to }) or ""):gmatch("[^\n]+") do
    generated[path] = true
  end
  local cap = caption_block(nil, nil, {
    pandoc.Str("What"), pandoc.Space(), pandoc.Str("changed"), pandoc.Space(), pandoc.Str("from"),
    pandoc.Space(), pandoc.Code("steps/" .. a.from), pandoc.Space(), pandoc.Str("to"), pandoc.Space(),
    pandoc.Code("steps/" .. a.to) }, a.caption)
  local code = pandoc.CodeBlock(out:gsub("\n$", ""), pandoc.Attr("", { "diffstat" }, {}))
  return pandoc.Div({ cap, code }, pandoc.Attr(el.identifier, { "diffstat" }, {}))
end

-- ------------------------------------------------------------------------------------------
-- Changed listings: ```{.c include="steps/03-framebuffer/console.c" anchor="edit"
-- changed-from="02-uart"}``` shows the region as usual, with the lines that are new or changed
-- since the same anchor of steps/02-uart/console.c marked, and says so in the caption, naming the
-- listing that showed the region before (the one this one replaces). Code that moved names its
-- origin: changed-from="09-ipc:console.c#edit" (STEP:FILE#ANCHOR, FILE relative to steps/STEP,
-- either part optional), and the caption names that file. book/booktool.py computes
-- it (`booktool.py changes`), asked once per chapter for all of its changed listings; the first
-- pass numbers the listings as the filter will (an include, or a diff) to name them.

local change_requests, change_listings, change_info = {}, 0, nil

function collect_change(el)
  local a = el.attributes
  local is_listing = (a.include and not el.classes:includes("markdown"))
      or (not el.classes:includes("diffstat") and (a.from or a.to or a.file))
  if not is_listing then return end
  change_listings = change_listings + 1
  if a.include and a["changed-from"] and a.anchor then
    for _, x in ipairs({ tostring(change_listings), a["changed-from"], a.include, a.anchor }) do
      table.insert(change_requests, x)
    end
  end
end

-- What booktool.py says of listing `number`: { lines = {[n] = true}, changed, added, removed,
-- ref_chapter, ref_number, ref_id, step, origin }, or nil (the problem is reported). origin is
-- the earlier file (relative to its step) when the code moved from another file, else "-".
local function change_of(number)
  if not change_info then
    change_info = {}
    local out = tool({ "changes", chapter, table.unpack(change_requests) }) or ""
    for line in out:gmatch("[^\n]+") do
      local f = {}
      for x in (line .. "\t"):gmatch("([^\t]*)\t") do table.insert(f, x) end
      if f[1] == "change" then
        local set = {}
        for part in f[3]:gmatch("[^,]+") do
          local lo, hi = part:match("^(%d+)%-(%d+)$")
          lo, hi = tonumber(lo or part), tonumber(hi or part)
          for n = lo, hi do set[n] = true end
        end
        change_info[f[2]] = { lines = set, changed = tonumber(f[4]), added = tonumber(f[5]),
                              removed = tonumber(f[6]), ref_chapter = f[7], ref_number = f[8], ref_id = f[9],
                              step = f[10], origin = f[11] }
      elseif f[1] == "problem" then
        change_info[f[2]] = { problem = f[3] }
      elseif f[1] == "dep" then
        generated[f[2]] = true   -- the listing numbers come from these chapters
      end
    end
  end
  local c = change_info[tostring(number)]
  if not c then
    fail("book/booktool.py changes said nothing of listing %d", number)
  elseif c.problem then
    fail("%s", c.problem)
    return nil
  end
  return c
end

-- A C-like comment open at the start of each line (for C, assembly and linker scripts, whose
-- /* */ comments span lines): a block of code that starts inside one is not highlighted by
-- Pandoc as a comment, so such lines get a plain block styled as a comment.
local function comment_state(lines)
  local open, state = false, {}
  for k, line in ipairs(lines) do
    state[k] = open
    local i, n = 1, #line
    while i <= n do
      if open then
        local j = line:find("*/", i, true)
        if not j then break end
        open, i = false, j + 2
      else
        local c2 = line:sub(i, i + 1)
        local c = line:sub(i, i)
        if c2 == "/*" then
          open, i = true, i + 2
        elseif c2 == "//" then
          break
        elseif c == '"' or c == "'" then
          i = i + 1
          while i <= n and line:sub(i, i) ~= c do
            i = i + (line:sub(i, i) == "\\" and 2 or 1)
          end
          i = i + 1
        else
          i = i + 1
        end
      end
    end
  end
  return state
end

local function plural(n, word)
  return string.format("%d %s%s", n, word, n == 1 and "" or "s")
end

-- The listing's code as blocks: runs of unchanged and of changed (class "changed") lines, in a
-- Div "changed-code" that book.css draws as one box.
function changed_listing(number, id, cap, text, shown, classes, path, anchor, from)
  local c = change_of(listings)
  if not c then return nil end
  local lines = {}
  for line in (text .. "\n"):gmatch("(.-)\n") do table.insert(lines, line) end
  local state = (KERNEL[classes[1]] and comment_state(lines)) or {}
  local blocks = {}
  -- Mostly rewritten (eight lines or more, three in four of them marked): nothing is marked, the
  -- caption says so.
  local nonblank = 0
  for _, line in ipairs(lines) do
    if line:match("%S") then nonblank = nonblank + 1 end
  end
  local rewritten = nonblank >= 8 and (c.changed + c.added) * 4 >= nonblank * 3
  if rewritten then
    c.lines = {}
  end
  local k = 1
  while k <= #lines do
    local changed = c.lines[shown[k]] == true
    local j = k
    while j < #lines and (c.lines[shown[j + 1]] == true) == changed do j = j + 1 end
    -- lines k..j; those at the start that continue a comment opened before k are a plain block
    local m = k
    if state[k] then
      while m <= j and state[m] do m = m + 1 end
      -- line m - 1 closed the comment (or j did not): m is the first line after it
      local cls = { "comment-cont" }
      if changed then table.insert(cls, "changed") end
      table.insert(blocks, pandoc.CodeBlock(table.concat(lines, "\n", k, m - 1), pandoc.Attr("", cls, {})))
    end
    if m <= j then
      local cls = { table.unpack(classes) }
      if changed then table.insert(cls, "changed") end
      table.insert(blocks, pandoc.CodeBlock(table.concat(lines, "\n", m, j), pandoc.Attr("", cls, {})))
    end
    k = j + 1
  end
  -- The caption says where the code goes and what changed: "replaces Listing 2.24 of step 02,
  -- with 2 lines changed and 1 added (marked), 3 removed".
  local words = {}
  if c.ref_id ~= "-" then
    table.insert(words, "replaces")
  else
    table.insert(words, "changed since")
  end
  local tail = { (c.ref_id ~= "-" and "of step " or "step ") .. c.step }
  local what = {}
  if c.changed > 0 then table.insert(what, plural(c.changed, "line") .. " changed") end
  if c.added > 0 then table.insert(what, (#what > 0 and tostring(c.added) or plural(c.added, "line")) .. " added") end
  local marked = table.concat(what, " and ")
  if rewritten then
    marked = string.format("mostly rewritten: %d of its %d lines changed or added", c.changed + c.added, nonblank)
  elseif marked ~= "" then
    marked = marked .. " (marked)"
  end
  if c.removed > 0 then
    marked = marked .. (marked ~= "" and ", " or "") .. plural(c.removed, "line") .. " removed"
  end
  tail[1] = tail[1] .. (rewritten and ", " or ", with ") .. marked
  local inl = cap.content[1].content
  inl:insert(pandoc.Str(" —"))
  for _, w in ipairs(words) do
    for word in w:gmatch("%S+") do inl:insert(pandoc.Space()); inl:insert(pandoc.Str(word)) end
  end
  if c.ref_id ~= "-" then
    local n = c.ref_chapter:match("^(%d+)%-")
    local label_of = n and tostring(tonumber(n)) or (c.ref_chapter:match("^appendix%-(%a)") or "?"):upper()
    inl:insert(pandoc.Space())
    inl:insert(pandoc.Link({ pandoc.Str("Listing"), pandoc.Space(), pandoc.Str(label_of .. "." .. c.ref_number) },
      "#" .. c.ref_id))
  end
  -- Code that moved from another file names it: "of step 02's console.c, with ...".
  local head, rest = tail[1]:match("^(.-)(, .*)$")
  for word in head:gmatch("%S+") do inl:insert(pandoc.Space()); inl:insert(pandoc.Str(word)) end
  if c.origin ~= "-" then
    inl[#inl].text = inl[#inl].text .. "’s"
    inl:insert(pandoc.Space())
    inl:insert(pandoc.Code(c.origin))
  end
  inl:insert(pandoc.Str(","))
  for word in rest:sub(2):gmatch("%S+") do inl:insert(pandoc.Space()); inl:insert(pandoc.Str(word)) end
  local nchanged = c.changed + c.added
  record("changed", path, anchor, from, c.ref_chapter, c.ref_number, tostring(nchanged), tostring(c.removed))
  local code = pandoc.Div(blocks, pandoc.Attr("", { "changed-code" }, {}))
  return pandoc.Div({ cap, code }, pandoc.Attr(id, { "listing", "listing-changed" }, {}))
end


local function CodeBlock(el)
  if el.attributes.include and el.classes:includes("markdown") then
    return markdown_block(el) or pandoc.Null()
  end
  if el.attributes.include then
    return include_block(el) or pandoc.Null()
  end
  for _, c in ipairs(el.classes) do
    if c == "diffstat" then
      return diffstat_block(el) or pandoc.Null()
    end
  end
  if el.attributes.from or el.attributes.to or el.attributes.file then
    return diff_block(el) or pandoc.Null()
  end
  -- A plain code block (a terminal session, a command): only its class is mapped.
  local lang, given = lang_of(el)
  if lang then
    if KERNEL[lang] then
      record("pasted", given, (el.text:match("^[^\n]*")))
    end
    local classes = { lang }
    for _, c in ipairs(el.classes) do
      if c ~= given then table.insert(classes, c) end
    end
    el.classes = classes
    return el
  end
end

-- ------------------------------------------------------------------------------------------
-- Headings and links

-- Every id of the chapter gets the chapter's name in front ("01-boot-exception-levels"), so ids
-- are unique in the whole book; the chapter's title gets the bare name ("01-boot"). Links inside
-- the chapter ("#exception-levels", or [Exception levels] alone) follow the renaming, and a link
-- to another chapter's heading is written the way GitHub reads it, "01-boot.md#exception-levels".
local idmap = {}
local seen_title = false

local function reid(el)
  if el.identifier ~= "" and not idmap[el.identifier] then
    local new = stem .. "-" .. el.identifier
    idmap[el.identifier] = new
    el.identifier = new
    return el
  end
end

local function Header(el)
  if el.level == 1 and not seen_title then
    seen_title = true
    if el.identifier ~= "" then
      idmap[el.identifier] = stem
    end
    el.identifier = stem
    -- "# The mini UART" becomes "2 The mini UART"; a title that already says its number
    -- ("# Step 02: The mini UART", "# Appendix A: ...") is left as it is.
    local text = pandoc.utils.stringify(el.content)
    local numbered = text:match("^%s*%d") or text:match("^%s*[Ss]tep%s") or text:match("^%s*[Cc]hapter%s")
        or text:match("^%s*[Aa]ppendix%s") or text:match("^%s*[Pp]art%s")
    if label and not numbered then
      table.insert(el.content, 1, pandoc.Span({ pandoc.Str(label) }, pandoc.Attr("", { "chapter-number" })))
      table.insert(el.content, 2, pandoc.Space())
    end
    return el
  end
  if el.identifier == "" then
    el.identifier = slug(pandoc.utils.stringify(el.content))
  end
  return reid(el)
end

local function Link(el)
  local t = el.target
  if t:match("^%a[%w+.-]*:") then
    return nil
  end
  if t:match("^#") then
    local new = idmap[t:sub(2)]
    if new then
      el.target = "#" .. new
      return el
    end
    return nil
  end
  local path, frag = t:match("^([^#]*)#?(.*)$")
  local chap = path:match("^([%w_%-]+)%.md$") or path:match("^%.%./chapters/([%w_%-]+)%.md$")
      or path:match("^chapters/([%w_%-]+)%.md$")
  if chap then
    local f = io.open("chapters/" .. chap .. ".md", "r")
    if not f then
      fail("link to %s: chapters/%s.md not found", t, chap)
      return nil
    end
    f:close()
    if chap == stem then
      el.target = "#" .. (frag ~= "" and (idmap[frag] or frag) or stem)
    else
      el.target = "#" .. chap .. (frag ~= "" and ("-" .. frag) or "")
    end
    return el
  end
  -- A file of the tree, relative to chapters/ (as GitHub reads it): its page under src/.
  local src = path:match("^%.%./(.+)$") or path:match("^(steps/.+)$")
  if src then
    if src:match("/$") or not load(src) then
      fail("link to %s: no file %s (the book has a page for each file, not for directories)", t, src)
      return nil
    end
    local line = frag:match("^L(%d+)$")
    el.target = source_href(src, line)
    el.classes:insert("source-link")
    record("link", src)
    return el
  end
end

-- ------------------------------------------------------------------------------------------

local function finish(doc)
  if #errors > 0 then
    for _, e in ipairs(errors) do
      io.stderr:write(e, "\n")
    end
    io.stderr:flush()
    os.exit(1)
  end
  local out = PANDOC_STATE.output_file
  if out and out ~= "-" then
    local base = out:gsub("%.json$", "")
    local f = assert(io.open(base .. ".uses", "w"))
    f:write("chapter\t", chapter, "\n")
    for _, r in ipairs(records) do
      f:write(r, "\n")
    end
    f:close()
    -- A make dependency file, like gcc -MD -MP: the chapter is rebuilt when a file it shows
    -- changes, also outside steps/ (tools/...).
    local deps = {}
    for path, info in pairs(files) do
      if info then table.insert(deps, path) end
    end
    for path in pairs(generated) do
      table.insert(deps, path)
    end
    table.sort(deps)
    f = assert(io.open(base .. ".d", "w"))
    f:write(out, ":")
    for _, d in ipairs(deps) do f:write(" ", d) end
    f:write("\n")
    for _, d in ipairs(deps) do f:write(d, ":\n") end
    f:close()
  end
  return doc
end

-- ------------------------------------------------------------------------------------------
-- A suggested breakage: "try this change to the step and see these checks fail".
--
--   ```{.breakage step="01-boot" file="boot.S" delete="b 1b" fails="bss-zeroed-before-c"}```
--   ```{.breakage step="01-boot" file="boot.S" replace="cbz x0, primary // ..." with="b primary"
--                 fails="check-a check-b"}```
--
-- delete= and replace= name one whole line of steps/STEP/FILE, compared with runs of blanks
-- squeezed to one (so "b 1b" is the line "    b       1b", but not "    b       1b // x"); it
-- must be found exactly once, on a line that is not an anchor marker. with= is the new line (it
-- gets the old line's indentation unless it has its own). fails= lists the checks that then
-- fail, separated by spaces or commas. The block becomes a "Try it" box: the change as a diff
-- of the real line, the command, and the checks that fail. The .uses file gets a line
--   breakage  STEP  FILE  LINE  delete|replace  FAILS  NEW-LINE  PROOF
-- from which book/test.py makes the same change in a copy of the step and runs its checks.
-- proof="test-exercises" (PROOF) leaves that to `make test-exercises`, for a box whose step's
-- checks cost more than `make test`'s budget can pay again for each box.

local BREAKAGE_ATTRS = { step = true, file = true, delete = true, replace = true, with = true, fails = true,
                         proof = true }

local function squeeze(s)
  return (s:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

local function breakage_block(el)
  local a = el.attributes
  local bad = false
  for k, v in pairs(a) do
    if not BREAKAGE_ATTRS[k] then
      fail("unknown attribute %s=\"%s\" on a breakage block", k, v)
      bad = true
    end
  end
  if bad then return nil end
  local old = a.delete or a.replace
  local names = {}
  for name in (a.fails or ""):gmatch("[^%s,]+") do table.insert(names, name) end
  if not (a.step and a.file and old and #names > 0) or (a.delete and a.replace)
      or ((a.replace == nil) ~= (a.with == nil)) then
    fail("a .breakage block needs step=, file=, fails= and either delete=\"LINE\" or "
      .. "replace=\"LINE\" with=\"NEW LINE\" (has step=%s file=%s delete=%s replace=%s with=%s fails=%s)",
      tostring(a.step), tostring(a.file), tostring(a.delete), tostring(a.replace), tostring(a.with),
      tostring(a.fails))
    return nil
  end
  local path = "steps/" .. a.step .. "/" .. a.file
  if a.proof and a.proof ~= "test-exercises" then
    fail("proof=\"%s\" on a breakage of %s: the only other proof is \"test-exercises\"", a.proof, path)
    return nil
  end
  if el.text:match("%S") then
    fail("the breakage block of %s is not empty: the line comes from the file, leave the block empty", path)
    return nil
  end
  if a.with and a.with:find("[\t\r\n]") then
    fail("with=\"%s\" on a breakage of %s: one line, no tabs", a.with, path)
    return nil
  end
  local info = load(path)
  if not info then
    fail("file %s not found", path)
    return nil
  end
  local want, found = squeeze(old), {}
  for i, line in ipairs(info.lines) do
    if not info.is_marker[i] and squeeze(line) == want then table.insert(found, tostring(i)) end
  end
  if #found ~= 1 then
    fail("the breakage's line '%s' is %s in %s", want,
      #found == 0 and "not found" or ("on " .. #found .. " lines (" .. table.concat(found, ", ") .. ")"), path)
    return nil
  end
  local n = tonumber(found[1])
  local line = expand_tabs(info.lines[n]):gsub("%s+$", "")
  local new
  if a.with then
    new = a.with:match("^%s") and a.with or (line:match("^%s*") .. a.with)
    new = new:gsub("%s+$", "")
  end
  record("breakage", a.step, a.file, tostring(n), new and "replace" or "delete", table.concat(names, " "),
    new or "", a.proof or "")

  local title = pandoc.Div({ pandoc.Plain({
    pandoc.Strong({ pandoc.Str("Try"), pandoc.Space(), pandoc.Str("it:") }), pandoc.Space(),
    pandoc.Str(new and "change" or "delete"), pandoc.Space(), pandoc.Str("line"), pandoc.Space(),
    pandoc.Str(tostring(n)), pandoc.Space(), pandoc.Str("of"), pandoc.Space(), source_link(path, n) }) },
    pandoc.Attr("", { "breakage-title" }))
  local code = pandoc.CodeBlock("-" .. line .. (new and ("\n+" .. new) or ""), pandoc.Attr("", { "diff" }))
  local nn = a.step:match("^(%d+)%-") or a.step
  -- "`make test STEP=01` then fails `a`, `b` and `c`, and passes every other check."
  local result = { pandoc.Code("make test STEP=" .. nn), pandoc.Space(), pandoc.Str("then"), pandoc.Space(),
    pandoc.Str("fails"), pandoc.Space() }
  for i, name in ipairs(names) do
    if i > 1 and i < #names then
      table.insert(result, pandoc.Str(","))
      table.insert(result, pandoc.Space())
    elseif i > 1 then
      table.insert(result, pandoc.Space())
      table.insert(result, pandoc.Str("and"))
      table.insert(result, pandoc.Space())
    end
    table.insert(result, pandoc.Code(name))
  end
  table.insert(result, pandoc.Str(","))
  for _, w in ipairs({ "and", "passes", "every", "other", "check." }) do
    table.insert(result, pandoc.Space())
    table.insert(result, pandoc.Str(w))
  end
  return pandoc.Div({ title, code, pandoc.Para(result) }, pandoc.Attr(el.identifier, { "breakage" }))
end

-- Its own pass, before the includes: the include pass would take file= for a diff.
local function breakage_pass(el)
  if el.classes:includes("breakage") then
    return breakage_block(el) or pandoc.Null()
  end
end

-- Exercises (workshop mode): ```{.exercises step="02-uart"}``` becomes the list of the step's
-- exercises, from the EXERCISE: markers of its sources (booktool.py knows them, as it knows the
-- anchors), then how to start (`make exercise STEP=02`). Every file of the step is a dependency.

local function exercises_block(el)
  local a = el.attributes
  for k, v in pairs(a) do
    if k ~= "step" then
      fail("unknown attribute %s=\"%s\" on an exercises block", k, v)
      return nil
    end
  end
  if not a.step then
    fail("an .exercises block needs step= (the step's directory, e.g. step=\"02-uart\")")
    return nil
  end
  if el.text:match("%S") then
    fail("the .exercises block of %s is not empty: the list comes from the markers, leave it empty", a.step)
    return nil
  end
  local out = tool({ "exercises", a.step })
  if not out then return nil end
  for path in (tool({ "files", a.step, a.step }) or ""):gmatch("[^\n]+") do
    generated[path] = true
  end
  return pandoc.Div(pandoc.read(out, "markdown").blocks, pandoc.Attr(el.identifier, { "exercises" }, {}))
end

local function with_exercises(code_block)
  return function(el)
    if el.classes:includes("exercises") then
      return exercises_block(el) or pandoc.Null()
    end
    return code_block(el)
  end
end

return {
  { CodeBlock = collect, Link = collect },
  { Header = Header, Div = reid, Span = reid, CodeBlock = reid, Code = reid, Image = reid },
  { CodeBlock = breakage_pass },
  { CodeBlock = with_exercises(CodeBlock), Link = Link },
  { Pandoc = finish },
}
