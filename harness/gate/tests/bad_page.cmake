# A copy of the fresh page with a remote image (the CSP blocks it: a console error) and a table
# wider than a phone: check_page.py must fail on it.
file(READ ${W}/gate_cli/t2/index.html page)
string(REPLACE "<main>" "<main><img src=\"http://192.0.2.1/x.png\" alt=\"\"><div style=\"width:2000px\">wide</div>" page "${page}")
file(WRITE ${W}/bad/index.html "${page}")
execute_process(COMMAND /usr/bin/python3 ${PAGE} ${W}/bad/index.html --results
                        ${W}/gate_cli/t2/results.json --shots ${W}/shots-bad
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "check_page.py should have failed the bad page (exit 1), got ${rc}")
endif()
foreach(want "scrolls sideways" "console error|load failed")
  if(NOT out MATCHES "${want}")
    message(FATAL_ERROR "check_page.py did not report: ${want}")
  endif()
endforeach()
