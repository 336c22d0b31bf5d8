-- Copyright: (c) 2026, devfleet.claude_code contributors
-- GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
-- SPDX-License-Identifier: GPL-3.0-or-later
--
-- pandoc filter: docs/<name>.md (GitHub Markdown, the one source of the guides) to docs/docsite/rst/<name>.rst
-- (the collection docsite that antsibull-docs renders; it reads RST only). Run by `nox -e docsite` (which writes
-- them) and `nox -e docsite-check` (which fails when they are stale); never edit the .rst files by hand.
--   - the title carries the label antsibull-docs requires: ansible_collections.devfleet.claude_code.docsite.<name>
--   - a link to another guide (other.md) or a section (other.md#anchor, #anchor) becomes a :ref: to its label
--   - a ```mermaid diagram (GitHub draws it) stays as its text: Sphinx has no mermaid lexer and warns, which fails
--     the docsite build
--   - a link or picture elsewhere in the repository (../playbooks/site.yml, images/doctor.png) becomes an absolute
--     link to the repository, so it works on Galaxy and in the rendered docs alike
-- Metadata (pandoc -M): docname (the guide's name), repository (galaxy.yml's repository URL), branch.

local docname, repository, branch
local PREFIX = 'ansible_collections.devfleet.claude_code.docsite.'

local function normalize(path)  -- docs/../playbooks/x -> playbooks/x
  local parts = {}
  for part in path:gmatch('[^/]+') do
    if part == '..' then
      table.remove(parts)
    elseif part ~= '.' then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, '/')
end

local function is_relative(target)
  return not target:match('^%a[%w+.-]*:') and not target:match('^#') and not target:match('^/')
end

function Meta(meta)
  docname = pandoc.utils.stringify(meta.docname)
  repository = pandoc.utils.stringify(meta.repository):gsub('/$', '')
  branch = pandoc.utils.stringify(meta.branch)
end

function Link(link)
  local target = link.target
  local text = pandoc.utils.stringify(link.content):gsub('([`<>])', '\\%1')
  local anchor = target:match('^#(.+)$')
  if anchor then  -- a section of this guide
    return pandoc.RawInline('rst', ':ref:`' .. text .. ' <' .. PREFIX .. docname .. '.' .. anchor .. '>`')
  end
  if not is_relative(target) then
    return nil
  end
  local guide, section = target:match('^([%w_-]+)%.md#(.+)$')
  guide = guide or target:match('^([%w_-]+)%.md$')
  if guide then  -- another guide, or a section of it
    local label = PREFIX .. guide .. (section and ('.' .. section) or '')
    return pandoc.RawInline('rst', ':ref:`' .. text .. ' <' .. label .. '>`')
  end
  local path = normalize('docs/' .. target)
  local kind = target:match('/$') and 'tree' or 'blob'
  link.target = repository .. '/' .. kind .. '/' .. branch .. '/' .. path
  return link
end

local function image_url(src)
  if not is_relative(src) then
    return src
  end
  -- the docsite takes RST files only: pictures are served from the repository
  return (repository:gsub('^https://github%.com/', 'https://raw.githubusercontent.com/')) .. '/' .. branch .. '/'
    .. normalize('docs/' .. src)
end

function Image(image)
  image.src = image_url(image.src)
  return image
end

-- a picture alone in its paragraph: a figure directive with its alt text (not an RST substitution)
function Para(para)
  if #para.content == 1 and para.content[1].t == 'Image' then
    return pandoc.Figure({pandoc.Plain(para.content)}, {})
  end
end

-- the guide's title carries the guide's label, every section ansible_collections...docsite.<name>.<GitHub anchor>
-- (antsibull-docs refuses labels without the collection's prefix)
function Pandoc(doc)
  local titled = false
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Header' then
      block.identifier = titled and (PREFIX .. docname .. '.' .. block.identifier) or (PREFIX .. docname)
      titled = true
    end
  end
  if not titled then
    error(docname .. '.md has no title')
  end
  return doc
end

function CodeBlock(block)
  if block.classes:includes('mermaid') then
    block.classes = {'text'}
    return block
  end
end

return {{Meta = Meta}, {Para = Para, CodeBlock = CodeBlock}, {Link = Link, Image = Image}, {Pandoc = Pandoc}}
