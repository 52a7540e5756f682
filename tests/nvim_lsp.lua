-- Neovim (0.7+) with its built-in LSP client and nothing else: starts `shapecheck lsp`,
-- opens each file the test names, waits for the diagnostics it expects, asks for a hover,
-- and writes what it saw as JSON for tests/test_lsp_neovim.py to check.
local cases = vim.fn.json_decode(os.getenv('SHAPECHECK_NVIM_CASES'))
local out = os.getenv('SHAPECHECK_NVIM_OUT')
local wait = 120000 -- ms: a guard against a hang, not a speed limit

local function finish(result)
  local f = assert(io.open(out, 'w'))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd('qall!')
end

-- Which documents the server has published findings for (an empty list counts): a clean
-- file's "no diagnostics" is then an answer, not a server that has not spoken yet.
local published = {}
local publish = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result then published[result.uri] = true end
  return publish(err, result, ctx, config)
end

local ready = false
local id = vim.lsp.start_client({
  name = 'shapecheck',
  cmd = vim.fn.json_decode(os.getenv('SHAPECHECK_LSP_CMD')),
  root_dir = vim.fn.getcwd(),
  on_init = function() ready = true end,
})
if not id or not vim.wait(wait, function() return ready end, 50) then
  finish({ error = 'the server did not start' })
  return
end

local result = { files = {} }
for _, case in ipairs(cases) do
  vim.cmd('edit ' .. vim.fn.fnameescape(case.path))
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, id)
  local seen = { diagnostics = {}, hover = vim.NIL }
  local uri = vim.uri_from_bufnr(buf)
  vim.wait(wait, function()
    return published[uri] and #vim.diagnostic.get(buf) >= case.diagnostics
  end, 50)
  seen.published = published[uri] or false
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(seen.diagnostics, {
      lnum = d.lnum, col = d.col, severity = d.severity, message = d.message,
      code = d.code or lsp.code or vim.NIL,
    })
  end
  local answers = vim.lsp.buf_request_sync(buf, 'textDocument/hover', {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = case.hover[1], character = case.hover[2] },
  }, wait)
  for _, answer in pairs(answers or {}) do
    if answer.result and answer.result.contents then
      seen.hover = answer.result.contents.value
    end
  end
  result.files[case.path] = seen
end
finish(result)
