/* Wall and CPU clocks. */
#ifndef SB_TIMER_H
#define SB_TIMER_H

double sb_wall_seconds(void); /* monotonic */
double sb_cpu_seconds(void);  /* process CPU time, all threads */

#endif
