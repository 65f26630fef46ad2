" For tests/lit/editors: writes, for every line after the one that says
" "sample:", each blank-separated word's first character's syntax group
" ("LINE: WORD GROUP"), then the file type, to the file g:out.
let s:out = []
let s:start = search('^# sample:$', 'n')
for s:l in range(s:start + 1, line('$'))
  let s:text = getline(s:l)
  let s:col = match(s:text, '\S')
  while s:col >= 0
    let s:word = matchstr(s:text, '\S\+', s:col)
    let s:group = synIDattr(synID(s:l, s:col + 1, 1), 'name')
    call add(s:out, s:l . ': ' . s:word . ' ' . (s:group == '' ? '-' : s:group))
    let s:col = match(s:text, '\S', s:col + len(s:word))
  endwhile
endfor
call add(s:out, 'filetype: ' . &filetype)
call writefile(s:out, g:out)
qall!
