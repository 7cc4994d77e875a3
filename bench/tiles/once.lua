-- wrk: each thread cycles through its own share of the request paths listed one per line in
-- the file given after `--` (the second argument: how many threads), so that no two threads
-- send the same path; with more paths than requests in a run, no path is sent twice.
local paths = {}
local i = 0
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
end

function init(args)
  local k = 0
  for line in io.lines(args[1]) do
    if k % tonumber(args[2]) == index - 1 then
      paths[#paths + 1] = line
    end
    k = k + 1
  end
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
