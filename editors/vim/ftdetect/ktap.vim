" ktap scripts: *.kp files, and files whose first line runs ktap.
autocmd BufRead,BufNewFile *.kp setfiletype ktap
autocmd BufRead,BufNewFile * if getline(1) =~# '^#!.*\<ktap\>' | setfiletype ktap | endif
