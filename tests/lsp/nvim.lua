-- Neovim's built-in LSP client attached to `ktapc --lsp` (tests/lsp/test_nvim.py):
-- opens $KTAP_NVIM_FILE, waits for the server's diagnostics and writes them to
-- $KTAP_NVIM_OUT as "line:col-line:col severity message" (0-based, as Neovim
-- keeps them), or "timeout".
local buf = vim.api.nvim_get_current_buf()
local config = { name = "ktapc", cmd = { os.getenv("KTAPC"), "--lsp" }, root_dir = vim.fn.getcwd() }
-- vim.lsp.start came with Neovim 0.8; Debian 12 has 0.7
if vim.lsp.start then
  vim.lsp.start(config)
else
  vim.lsp.buf_attach_client(buf, vim.lsp.start_client(config))
end
local got = vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end, 10)
local lines = { "timeout" }
if got then
  lines = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(lines, string.format("%d:%d-%d:%d %d %s", d.lnum, d.col, d.end_lnum, d.end_col,
      d.severity, d.message))
  end
end
vim.fn.writefile(lines, os.getenv("KTAP_NVIM_OUT"))
vim.lsp.stop_client(vim.lsp.get_active_clients())
vim.cmd("qall!")
