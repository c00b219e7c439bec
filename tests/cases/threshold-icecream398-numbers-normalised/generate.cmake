# usage.csv: 1,000 calls to 1,000 distinct numbers 13000000000..13000000999, ten seconds
# apart from 2019-07-10 10:00 Beijing time, then the calls case.md describes.
set(rows "id,subscriber,time,service,quantity,country,peer\n")
foreach(i RANGE 0 999)
  math(EXPR seconds "${i} * 10")
  math(EXPR hh "10 + ${seconds} / 3600")
  math(EXPR mm "(${seconds} % 3600) / 60")
  math(EXPR ss "${seconds} % 60")
  foreach(v hh mm ss)
    if(${${v}} LESS 10)
      set(${v} "0${${v}}")
    endif()
  endforeach()
  set(n "000${i}")
  string(LENGTH "${n}" length)
  math(EXPR from "${length} - 3")
  string(SUBSTRING "${n}" ${from} 3 n)
  string(APPEND rows "n${n},numbers,2019-07-10T${hh}:${mm}:${ss}+08:00,voice,60,,13000000${n}\n")
endforeach()
string(APPEND rows
  "plus,numbers,2019-07-11T09:00:00+08:00,voice,60,,+8613000000000\n"
  "zeros,numbers,2019-07-11T09:10:00+08:00,voice,60,,008613000000001\n"
  "again,numbers,2019-07-11T09:20:00+08:00,voice,60,,13000000002\n"
  "foreign,numbers,2019-07-11T10:00:00+08:00,voice,60,,+13105550100\n"
  "late,numbers,2019-07-12T10:00:00+08:00,voice,60,,13000000000\n")
file(WRITE "${OUT}/usage.csv" "${rows}")
